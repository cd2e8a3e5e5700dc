/** CANCELUPDATE (RFC 5267 §4.3.5): stops the updates of earlier SEARCH/SORT RETURN (UPDATE) commands. */
import { type CommandSpec, done, SELECTED } from '../command-spec.js';

export const cancelUpdate: CommandSpec<'CANCELUPDATE'> = {
  states: SELECTED,
  async handle(session, _tag, command) {
    const unknown = session.contexts.cancel(command.tags);
    if (unknown !== null) return { status: 'BAD', text: 'No updating search with that tag' };
    return done('CANCELUPDATE completed');
  },
};
