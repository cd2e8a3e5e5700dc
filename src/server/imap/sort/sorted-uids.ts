/**
 * The SORT order (RFC 5256 §3) and THREAD trees (§4) of searched messages, in UIDs, through the mailbox's
 * answer memo (answer-memo.ts): the same set answers from the memo; a set with a few new messages gets the
 * memoized order with the gone ones left out and the new ones placed by binary search, reading the keys
 * of about log2(n) messages each; anything else loads every key.
 */
import type { SortCriterion, ThreadCommand } from '../../../protocol/imap/command.js';
import type { ThreadNode } from '../../../protocol/imap/response.js';
import { exceptAscending } from '../search/index-needles.js';
import type { ImapSession } from '../session.js';
import { sameUids } from './answer-memo.js';
import { loadSortKeys } from './load-keys.js';
import { comparatorOf, type SortKeys, sortFieldsFor, sortKeysOfRow, THREAD_FIELDS } from './sort-keys.js';
import { orderedSubject, references } from './thread.js';

/** More new messages than this and a full sort is about as quick as placing each one. */
export const MAX_PLACED = 128;

function memoKey(criteria: readonly SortCriterion[]): string {
  return `SORT ${criteria.map((c) => (c.reverse ? `REVERSE ${c.key}` : c.key)).join(' ')}`;
}

/** `uids` (ascending, in the session's view) in SORT order by `criteria`. The answer is shared: read only. */
export async function sortedUids(
  session: ImapSession,
  uids: number[],
  criteria: readonly SortCriterion[],
): Promise<readonly number[]> {
  const selected = session.requireSelected();
  const memo = selected.index.answers;
  const key = memoKey(criteria);
  const uidValidity = selected.mailbox.uidValidity;
  const entry = memo.get<readonly number[]>(key, uidValidity);
  if (entry) {
    if (sameUids(entry.uids, uids)) return entry.answer;
    const added = exceptAscending(uids, entry.uids);
    if (added.length <= MAX_PLACED) {
      const gone = new Set(exceptAscending(entry.uids, uids));
      const kept = gone.size > 0 ? entry.answer.filter((uid) => !gone.has(uid)) : [...entry.answer];
      const order = await placeAll(session, kept, added, criteria);
      if (order) {
        memo.set(key, { uidValidity, uids, answer: order });
        return order;
      }
    }
  }
  const keys = await loadSortKeys(session, uids, sortFieldsFor(criteria));
  keys.sort(comparatorOf(criteria));
  const order = keys.map((k) => k.uid);
  memo.set(key, { uidValidity, uids, answer: order });
  return order;
}

/**
 * Inserts `added` into `order` (sorted by `criteria`) in place. Keys are read from the store
 * (Store.getSortRows) for the new messages and for each message a binary search compares against; the
 * tie-breaker, mailbox order, is UID order, so a key's `seq` here is its UID. Null when the store keeps no
 * sort rows or a compared message is no longer stored (expunged meanwhile): the caller sorts in full.
 */
async function placeAll(
  session: ImapSession,
  order: number[],
  added: readonly number[],
  criteria: readonly SortCriterion[],
): Promise<number[] | null> {
  const store = session.store;
  if (!store.getSortRows) return null;
  const getSortRows = store.getSortRows.bind(store);
  const mailboxId = session.requireSelected().mailbox.id;
  const fields = sortFieldsFor(criteria);
  const compare = comparatorOf(criteria);
  const keysOf = async (uids: readonly number[]): Promise<SortKeys[]> =>
    (await getSortRows(mailboxId, uids, fields)).map((row) => sortKeysOfRow(row, row.uid));
  // A new message the store no longer has was expunged meanwhile: it is not in the answer, as in a full sort.
  for (const newKeys of await keysOf(added)) {
    let low = 0;
    let high = order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const [probe] = await keysOf([order[middle]!]);
      if (!probe) return null;
      if (compare(probe, newKeys) < 0) low = middle + 1;
      else high = middle;
    }
    order.splice(low, 0, newKeys.uid);
  }
  return order;
}

/** THREAD by `algorithm` over `uids` (ascending, in the session's view), each node named by its UID. */
export async function threadsByUid(
  session: ImapSession,
  uids: number[],
  algorithm: ThreadCommand['algorithm'],
): Promise<readonly ThreadNode[]> {
  const selected = session.requireSelected();
  const memo = selected.index.answers;
  const key = `THREAD ${algorithm}`;
  const uidValidity = selected.mailbox.uidValidity;
  const entry = memo.get<readonly ThreadNode[]>(key, uidValidity);
  if (entry && sameUids(entry.uids, uids)) return entry.answer;
  const keys = await loadSortKeys(session, uids, THREAD_FIELDS);
  const byUid = (k: SortKeys) => k.uid;
  const threads = algorithm === 'REFERENCES' ? references(keys, byUid) : orderedSubject(keys, byUid);
  memo.set(key, { uidValidity, uids, answer: threads });
  return threads;
}

/** The same trees with each UID replaced by `number(uid)` (its sequence number). */
export function renumberThreads(
  threads: readonly ThreadNode[],
  number: (uid: number) => number,
): ThreadNode[] {
  return threads.map((node) => ({
    id: node.id === null ? null : number(node.id),
    children: renumberThreads(node.children, number),
  }));
}
