/**
 * COPY, MOVE and their UID forms (RFC 9051 §6.4.7, §6.4.8; RFC 4315 COPYUID; RFC 6851 MOVE).
 * MOVE announces COPYUID in an untagged OK before the EXPUNGEs of the moved messages.
 */
import { formatUidList } from '../../../lib/seqset.js';
import { type CommandSpec, done, refuse, SELECTED } from '../command-spec.js';

export const copyMove: CommandSpec<'COPY' | 'MOVE'> = {
  states: SELECTED,
  usesSequenceNumbers: (command) => !command.uid,
  breaksSequenceNumbers: (command) => command.name === 'MOVE',
  async handle(session, _tag, command) {
    const selected = session.requireSelected();
    const uids = command.uid
      ? selected.resolveUidSet(command.set, session.savedSearch)
      : selected.resolveSequenceSet(command.set, session.savedSearch);
    const name = session.mailboxFromWire(command.mailbox);
    const dest = await session.store.getMailbox(session.requireAccount().id, name);
    if (!dest) return refuse('No such mailbox', { code: 'TRYCREATE' });
    const isMove = command.name === 'MOVE';
    if (isMove && selected.readOnly) return refuse('Mailbox is read-only', { code: 'READ-ONLY' });
    if (uids.length === 0) return done(`${command.name} completed`);
    const result = isMove
      ? await session.store.move(selected.mailbox.id, uids, dest.id)
      : await session.store.copy(selected.mailbox.id, uids, dest.id);
    const code = {
      code: 'COPYUID' as const,
      uidValidity: result.uidValidity,
      source: formatUidList(result.sourceUids),
      dest: formatUidList(result.destUids),
    };
    if (!isMove) return done('COPY completed', code);
    session.send({ status: 'OK', code, text: 'Moved' });
    for (const response of selected.announceOwnExpunged(result.sourceUids)) session.send(response);
    return done('MOVE completed');
  },
};
