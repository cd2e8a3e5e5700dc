/**
 * Messages moved between folders in the Maildir (`mv`, or a reader that keeps the file name): UID MOVE
 * (RFC 6851), or COPY + \Deleted + UID EXPUNGE without it; the new UID comes from COPYUID (RFC 4315).
 * The message is never downloaded or uploaded again. A message already gone from the server's source
 * folder is left to the target folder's pass, which uploads it as new.
 */
import type { ImapFlow } from 'imapflow';
import { formatSequenceSet } from '../../lib/seqset.js';
import type { SyncState } from '../state/state.js';
import type { LocalMove } from './local-changes.js';
import type { ImapCounts } from './report.js';

export async function replayMoves(
  client: ImapFlow,
  state: SyncState,
  account: string,
  moves: readonly LocalMove[],
  counts: ImapCounts,
): Promise<void> {
  const groups = new Map<string, LocalMove[]>();
  for (const m of moves) {
    const key = `${m.from}\u0000${m.to}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  for (const group of groups.values()) {
    const { from, to } = group[0]!;
    await client.mailboxOpen(from);
    const range = formatSequenceSet(group.map((m) => m.record.uid!));
    const result = client.capabilities.has('MOVE')
      ? await client.messageMove(range, to, { uid: true })
      : await copyThenDelete(client, range, to);
    state.transaction(() => {
      for (const m of group) {
        state.imap.removeMessage(account, from, m.base);
        if (!result) continue; // nothing moved: the target's pass uploads the file
        const uid = result.uidMap?.get(m.record.uid!) ?? null; // null: found by Message-ID next
        if (result.uidMap && uid === null) continue; // this one was gone on the server
        state.imap.putMessage(account, to, { ...m.record, uid, modseq: null });
        counts.moved++;
      }
    });
  }
}

async function copyThenDelete(client: ImapFlow, range: string, to: string) {
  const copied = await client.messageCopy(range, to, { uid: true });
  if (copied) await client.messageDelete(range, { uid: true });
  return copied;
}
