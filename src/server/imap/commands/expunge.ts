/** EXPUNGE and UID EXPUNGE (RFC 9051 §6.4.3, §6.4.9): our own removals are announced at once. */
import { type CommandSpec, done, refuse, SELECTED } from '../command-spec.js';

export const expunge: CommandSpec<'EXPUNGE'> = {
  states: SELECTED,
  breaksSequenceNumbers: () => true,
  async handle(session, _tag, command) {
    const selected = session.requireSelected();
    if (selected.readOnly) return refuse('Mailbox is read-only', { code: 'READ-ONLY' });
    const uids = command.uid ? selected.resolveUidSet(command.set, session.savedSearch) : undefined;
    if (uids && uids.length === 0) return done('EXPUNGE completed');
    const removed = await session.store.expunge(selected.mailbox.id, uids ? { uids } : {});
    for (const response of selected.announceOwnExpunged(removed)) session.send(response);
    return done('EXPUNGE completed');
  },
};
