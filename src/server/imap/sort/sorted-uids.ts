/**
 * The SORT order (RFC 5256 §3) and THREAD trees (§4) of searched messages, in UIDs, through the mailbox's
 * answer memo (answer-memo.ts): the same set answers from the memo; a set with a few new messages gets the
 * memoized order with the gone ones left out and the new ones placed by binary search, reading the keys
 * of about log2(n) messages each; anything else loads every key.
 */

import { exceptAscending } from '../../../lib/ascending.js';
import type { SortCriterion, ThreadCommand } from '../../../protocol/imap/command.js';
import type { ThreadForest } from '../../../protocol/imap/response.js';
import type { ImapSession } from '../session.js';
import { sameUids } from './answer-memo.js';
import { loadSortColumns, loadSortKeys } from './load-keys.js';
import {
  comparatorOf,
  type SortKeys,
  sortedUidsOf,
  sortedUidsOfColumns,
  sortFieldsFor,
  sortKeysOfRow,
  sortTextFieldsFor,
  THREAD_FIELDS,
} from './sort-keys.js';
import { orderedSubject, ThreadInterner, type ThreadKeys, threadReferences } from './thread.js';

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
  const loaded = await loadSortColumns(session, uids, sortTextFieldsFor(criteria));
  const order = loaded
    ? sortedUidsOfColumns(loaded.columns, loaded.places, criteria)
    : sortedUidsOf(await loadSortKeys(session, uids, sortFieldsFor(criteria)), criteria);
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

/**
 * A memoized THREAD answer with the keys it was computed from (seq := UID), in UID order, while the
 * process-wide budget lets it keep them (null once dropped). For REFERENCES the keys are numbered by
 * `interner` (ThreadKeys), which grows with the new messages' keys.
 */
export interface ThreadAnswer {
  readonly threads: ThreadForest;
  keys: readonly SortKeys[] | null;
  interner?: ThreadInterner | null;
}

/**
 * THREAD keys kept across the process, in messages: about 400 bytes each (100,000 ≈ 40 MB), so one big
 * mailbox's worth. The oldest holders lose theirs first; a holder nobody references (its mailbox index
 * dropped) is only weakly held and its keys go with it.
 */
export const THREAD_KEYS_BUDGET = 150_000;
const keyHolders: { answer: WeakRef<ThreadAnswer>; count: number }[] = [];

/** Registers `answer`'s keys, dropping the oldest holders' beyond the budget (exported for tests). */
export function holdKeys(answer: ThreadAnswer): void {
  keyHolders.push({ answer: new WeakRef(answer), count: answer.keys?.length ?? 0 });
  let held = 0;
  for (let i = keyHolders.length - 1; i >= 0; i--) {
    const holder = keyHolders[i]!;
    const live = holder.answer.deref();
    if (live?.keys && held + holder.count <= THREAD_KEYS_BUDGET) {
      held += holder.count;
      continue;
    }
    if (live) {
      live.keys = null;
      live.interner = null;
    }
    keyHolders.splice(i, 1);
  }
}

/**
 * THREAD by `algorithm` over `uids` (ascending, in the session's view), each node named by its UID. The
 * memo keeps the keys with the answer: when the set changed, only the new messages' keys are read (and
 * numbered), and the threads are computed again from memory (a new message can join, merge or re-root
 * threads anywhere).
 */
export async function threadsByUid(
  session: ImapSession,
  uids: number[],
  algorithm: ThreadCommand['algorithm'],
): Promise<ThreadForest> {
  const selected = session.requireSelected();
  const memo = selected.index.answers;
  const key = `THREAD ${algorithm}`;
  const uidValidity = selected.mailbox.uidValidity;
  const entry = memo.get<ThreadAnswer>(key, uidValidity);
  if (entry && sameUids(entry.uids, uids)) return entry.answer.threads;
  const byUid = (k: SortKeys) => k.uid;
  let answer: ThreadAnswer;
  if (algorithm === 'ORDEREDSUBJECT') {
    const keys = entry?.answer.keys ? await updatedKeys(session, entry.answer.keys, entry.uids, uids) : null;
    const all = keys ?? uidOrdered(await loadSortKeys(session, uids, THREAD_FIELDS));
    answer = { threads: orderedSubject(all, byUid), keys: all };
  } else {
    // The kept numbering goes on while it has at most doubled: ids of expunged messages are never freed.
    const old = entry?.answer.keys ? entry.answer.keys : null;
    const kept = entry?.answer.interner;
    const interner = kept && kept.idCount <= 2 * kept.idCountAtStart + 1024 ? kept : null;
    const keys = old && entry ? await updatedKeys(session, old, entry.uids, uids, interner) : null;
    let all: ThreadKeys[];
    let numbering: ThreadInterner;
    if (keys && interner) {
      // Kept keys were numbered by this interner, new ones just now.
      all = keys as ThreadKeys[];
      numbering = interner;
    } else {
      numbering = new ThreadInterner();
      // Kept keys are copied before numbering them anew: another session's THREAD may be using them with
      // the old numbering across its await.
      all = keys
        ? keys.map((k) => numbering.intern({ ...k }))
        : uidOrdered(await loadSortKeys(session, uids, THREAD_FIELDS)).map((k) => numbering.intern(k));
      numbering.idCountAtStart = numbering.idCount;
    }
    answer = { threads: threadReferences(all, numbering, byUid), keys: all, interner: numbering };
  }
  if (entry) {
    entry.answer.keys = null;
    entry.answer.interner = null;
  }
  if (memo.set<ThreadAnswer>(key, { uidValidity, uids, answer })) holdKeys(answer);
  return answer.threads;
}

/** Keys whose tie-breaker is the UID (mailbox order in every view), so kept keys and new ones compare alike. */
function uidOrdered(keys: SortKeys[]): SortKeys[] {
  for (const k of keys) k.seq = k.uid;
  return keys;
}

/**
 * The memoized keys for `uids`: the gone ones left out, the new ones read (Store.getSortRows) and numbered
 * by `interner` if given. Null when the store keeps no sort rows or too many are new: the caller reads them
 * all.
 */
async function updatedKeys(
  session: ImapSession,
  kept: readonly SortKeys[],
  keptUids: readonly number[],
  uids: readonly number[],
  interner?: ThreadInterner | null,
): Promise<SortKeys[] | null> {
  const store = session.store;
  const added = exceptAscending(uids, keptUids);
  if (!store.getSortRows || added.length > uids.length / 2) return null;
  const mailboxId = session.requireSelected().mailbox.id;
  const fresh = (await store.getSortRows(mailboxId, added, THREAD_FIELDS)).map((row) => {
    const keys = sortKeysOfRow(row, row.uid);
    return interner ? interner.intern(keys) : keys;
  });
  // Only new messages, all after the kept ones (new mail): the kept keys with the new ones after them.
  const last = kept.length > 0 ? kept[kept.length - 1]!.uid : 0;
  if (kept.length === keptUids.length && uids.length === kept.length + added.length && added[0]! > last)
    return kept.concat(fresh);
  // Both lists are in UID order: merge them, keeping only UIDs of the new set.
  const out: SortKeys[] = [];
  let u = 0;
  let f = 0;
  for (const k of kept) {
    while (f < fresh.length && fresh[f]!.uid < k.uid) out.push(fresh[f++]!);
    while (u < uids.length && uids[u]! < k.uid) u++;
    if (u < uids.length && uids[u] === k.uid) out.push(k);
  }
  while (f < fresh.length) out.push(fresh[f++]!);
  return out;
}

/** The same trees with each UID replaced by `number(uid)` (its sequence number). */
export function renumberThreads(threads: ThreadForest, number: (uid: number) => number): ThreadForest {
  return { ids: threads.ids.map((uid) => (uid === 0 ? 0 : number(uid))), childCounts: threads.childCounts };
}
