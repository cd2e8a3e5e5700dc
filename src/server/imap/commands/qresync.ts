/**
 * Quick resynchronisation (RFC 7162 §3.2): what changed since a mod-sequence the client knows —
 * `* VANISHED (EARLIER) uids` from the store's expunge log, then FETCH (UID FLAGS MODSEQ) of the changed
 * messages. Used by SELECT/EXAMINE (QRESYNC ...) and UID FETCH (CHANGEDSINCE n VANISHED).
 */
import { formatSequenceSet, type SequenceSet, seqSetContains } from '../../../lib/seqset.js';
import type { QresyncParams } from '../../../protocol/imap/command.js';
import type { SelectedMailbox } from '../selected.js';
import type { ImapSession } from '../session.js';

/** `* VANISHED (EARLIER) ...` for UIDs expunged after `since` (within `uids` when given). */
export async function sendVanishedEarlier(
  session: ImapSession,
  selected: SelectedMailbox,
  since: number,
  uids?: SequenceSet,
): Promise<void> {
  const changes = await session.store.changesSince(selected.mailbox.id, since);
  const last = Math.max(selected.lastUid(), ...changes.expunged);
  const gone = changes.expunged
    .filter((uid) => !uids || seqSetContains(uids, uid, last))
    .sort((a, b) => a - b);
  if (gone.length > 0) session.send({ type: 'VANISHED', earlier: true, uids: formatSequenceSet(gone) });
}

/** SELECT/EXAMINE (QRESYNC (uidvalidity modseq [known-uids ...])) after the usual answers. */
export async function resync(
  session: ImapSession,
  selected: SelectedMailbox,
  params: QresyncParams,
): Promise<void> {
  // §3.2.5: a different UIDVALIDITY means the client's cache is useless; nothing more to say.
  if (params.uidValidity !== selected.mailbox.uidValidity) return;
  await sendVanishedEarlier(session, selected, params.modseq, params.knownUids);
  const changes = await session.store.changesSince(selected.mailbox.id, params.modseq);
  for (const response of selected.keywordAnnouncement(changes.changed)) session.send(response);
  for (const record of changes.changed) {
    const seq = selected.seqOf(record.uid);
    // QRESYNC implies CONDSTORE, so MODSEQ is always there (RFC 7162 §3.2.5.1).
    if (seq > 0) session.send(selected.flagUpdate(seq, record, { uid: true }));
  }
}
