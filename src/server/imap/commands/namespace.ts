/** NAMESPACE (RFC 9051 §6.3.10): one personal namespace, no prefix, "/" delimiter. */
import { AUTHENTICATED, type CommandSpec, done } from '../command-spec.js';

export const namespace: CommandSpec<'NAMESPACE'> = {
  states: AUTHENTICATED,
  async handle(session) {
    session.untagged('NAMESPACE (("" "/")) NIL NIL');
    return done('NAMESPACE completed');
  },
};
