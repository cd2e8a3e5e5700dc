/** NOTIFY SET / NOTIFY NONE (RFC 5465): the rules live in ../notify.ts. */
import { AUTHENTICATED, type CommandSpec, done } from '../command-spec.js';
import { notifySetProblem } from '../notify.js';

export const notify: CommandSpec<'NOTIFY'> = {
  states: AUTHENTICATED,
  async handle(session, _tag, command) {
    if (!command.set) {
      session.notify.clear();
      return done('NOTIFY completed');
    }
    const problem = notifySetProblem(command.set.groups);
    if (problem) return problem;
    await session.notify.set(command.set.groups, command.set.status);
    return done('NOTIFY completed');
  },
};
