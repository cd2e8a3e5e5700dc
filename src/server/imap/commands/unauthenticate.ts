/**
 * UNAUTHENTICATE (RFC 8437): ends the authenticated session without closing the connection, so a
 * client can log in again (as another user) over the same TLS connection.
 */
import { AUTHENTICATED, type CommandSpec, done } from '../command-spec.js';

export const unauthenticate: CommandSpec<'UNAUTHENTICATE'> = {
  states: AUTHENTICATED,
  async handle(session) {
    session.unauthenticate();
    return done('UNAUTHENTICATE completed');
  },
};
