/** IDLE (RFC 9051 §6.3.13): notifications are pushed until DONE; the tagged OK follows DONE. */
import { AUTHENTICATED, type CommandSpec } from '../command-spec.js';

export const idle: CommandSpec<'IDLE'> = {
  states: AUTHENTICATED,
  async handle(session, tag) {
    session.startIdle(tag);
    return null;
  },
};
