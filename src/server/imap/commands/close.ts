/** CLOSE, UNSELECT (RFC 9051 §6.4.1, §6.4.2): CLOSE silently expunges \Deleted in read-write mode. */
import { type CommandSpec, done, SELECTED } from '../command-spec.js';

export const close: CommandSpec<'CLOSE'> = {
  states: SELECTED,
  async handle(session) {
    const selected = session.requireSelected();
    session.setSelected(null);
    if (!selected.readOnly) await session.store.expunge(selected.mailbox.id);
    return done('CLOSE completed');
  },
};

export const unselect: CommandSpec<'UNSELECT'> = {
  states: SELECTED,
  async handle(session) {
    session.setSelected(null);
    return done('UNSELECT completed');
  },
};
