/** NAMESPACE (RFC 9051 §6.3.10): one personal namespace, no prefix, "/" delimiter. */
import { HIERARCHY_DELIMITER } from '../../../store/store.js';
import { AUTHENTICATED, type CommandSpec, done } from '../command-spec.js';

export const namespace: CommandSpec<'NAMESPACE'> = {
  states: AUTHENTICATED,
  async handle(session) {
    session.send({
      type: 'NAMESPACE',
      personal: [{ prefix: '', delimiter: HIERARCHY_DELIMITER }],
      otherUsers: null,
      shared: null,
    });
    return done('NAMESPACE completed');
  },
};
