/**
 * Sort keys of the given messages of the selected mailbox, in batches from the store (records with
 * their search header text). Keys depend only on a message's immutable content and dates, so they are
 * kept per mailbox, UIDVALIDITY and UID (a deleted and re-created mailbox may get its row id back, never
 * its UIDVALIDITY) in a bounded cache shared by all sessions: a second SORT or THREAD of a big mailbox
 * reads nothing.
 */
import type { ImapSession } from '../session.js';
import { type SortKeys, sortKeysOf } from './sort-keys.js';

const BATCH = 2000;
/** About 300 bytes a message: ~60 MB at the bound. */
const MAX_CACHED = 200_000;

type Cached = Omit<SortKeys, 'seq'>;
const cache = new Map<string, Cached>();

function remember(key: string, keys: Cached): void {
  if (cache.size >= MAX_CACHED) {
    // Oldest first (Map order): drop a tenth so this is rare.
    let n = MAX_CACHED / 10;
    for (const k of cache.keys()) {
      cache.delete(k);
      if (--n === 0) break;
    }
  }
  cache.set(key, keys);
}

/** Keys for `uids` (ascending, in the session's view), with their current sequence numbers. */
export async function loadSortKeys(session: ImapSession, uids: readonly number[]): Promise<SortKeys[]> {
  const selected = session.requireSelected();
  const mailboxId = selected.mailbox.id;
  const prefix = `${mailboxId}:${selected.mailbox.uidValidity}:`;
  const out: SortKeys[] = [];
  const missing: number[] = [];
  for (const uid of uids) {
    const hit = cache.get(prefix + uid);
    if (hit) out.push({ ...hit, seq: selected.seqOf(uid) });
    else missing.push(uid);
  }
  for (let i = 0; i < missing.length; i += BATCH) {
    const batch = missing.slice(i, i + BATCH);
    const records = await session.store.getMessagesWithMeta(mailboxId, batch, { searchText: true });
    for (const record of records) {
      const seq = selected.seqOf(record.uid);
      if (seq === 0) continue;
      const keys = sortKeysOf(record, record.meta, seq);
      const { seq: _seq, ...cached } = keys;
      remember(prefix + record.uid, cached);
      out.push(keys);
    }
  }
  return out;
}
