/**
 * SEARCH / SORT RETURN (UPDATE) (RFC 5267 §4.3, CONTEXT=SEARCH and CONTEXT=SORT): the session keeps each
 * updating search's result (UIDs in result order) and tells the client how it changes, as
 * `* ESEARCH (TAG "t") [UID] ADDTO (position set ...)` / `REMOVEFROM (position set ...)`.
 *
 * - Messages about to be expunged are removed first (beforeExpunge, called by the selected mailbox while
 *   their sequence numbers are still valid), so a REMOVEFROM never names a number the client no longer has.
 * - Any other change to the mailbox (new messages, flags, own or another session's) marks the searches
 *   dirty; refresh() runs after the selected mailbox's notifications are flushed and re-evaluates each
 *   search over the client's view, then reports the difference.
 * - Updates end when the mailbox is no longer selected or with CANCELUPDATE. At most MAX_UPDATING searches
 *   per session; another gets `* NO [NOUPDATE "tag"]` (its answer is still sent).
 *
 * Positions: for SEARCH (ascending order) one pair, the position of the first number and all of them; for
 * SORT one pair per run of consecutive positions, removals in old-list order, additions in new-list order,
 * each position counted after the pairs before it were applied (§4.3.2: processed in order).
 */
import { formatSequenceSet, formatUidList } from '../../lib/seqset.js';
import type { SearchKey, SortCriterion } from '../../protocol/imap/command.js';
import { findUids } from './commands/search.js';
import type { ImapSession } from './session.js';
import { sortedUids } from './sort/sorted-uids.js';

export const MAX_UPDATING = 10;

export interface UpdatingSearch {
  readonly tag: string;
  readonly uid: boolean;
  readonly criteria: SearchKey;
  /** Present for SORT: the result keeps this order. */
  readonly sort?: readonly SortCriterion[];
}

interface Active extends UpdatingSearch {
  /** UIDs in result order. */
  results: readonly number[];
}

/** UIDs of the selected mailbox's view matching `criteria`, in result order (ascending, or sorted). */
export async function resultUids(
  session: ImapSession,
  criteria: SearchKey,
  sort?: readonly SortCriterion[],
): Promise<readonly number[]> {
  const { uids } = await findUids(session, criteria);
  return sort ? sortedUids(session, uids, sort) : uids;
}

export class ContextSearches {
  private readonly searches = new Map<string, Active>();
  private dirty = false;

  constructor(private readonly session: ImapSession) {}

  get active(): boolean {
    return this.searches.size > 0;
  }

  /** Starts updates for a search just answered; false (NOUPDATE) when the session has too many. */
  add(search: UpdatingSearch, results: readonly number[]): boolean {
    // §4.3: a new search with the tag of a running one replaces it.
    if (!this.searches.has(search.tag) && this.searches.size >= MAX_UPDATING) return false;
    this.searches.set(search.tag, { ...search, results: [...results] });
    return true;
  }

  /** CANCELUPDATE: the first tag that names no updating search, or null when all were cancelled. */
  cancel(tags: readonly string[]): string | null {
    const unknown = tags.find((tag) => !this.searches.has(tag));
    if (unknown !== undefined) return unknown;
    for (const tag of tags) this.searches.delete(tag);
    return null;
  }

  /** The mailbox is no longer selected. */
  clear(): void {
    this.searches.clear();
    this.dirty = false;
  }

  /** The selected mailbox changed (shared index callback): re-evaluate at the next refresh. */
  markDirty(): void {
    if (this.searches.size > 0) this.dirty = true;
  }

  /** Messages about to be announced as expunged: REMOVEFROM while their numbers are still valid. */
  beforeExpunge(uids: readonly number[]): void {
    if (this.searches.size === 0 || uids.length === 0) return;
    const gone = new Set(uids);
    for (const search of this.searches.values()) {
      if (!search.results.some((uid) => gone.has(uid))) continue;
      const removeFrom = this.removals(search, gone);
      if (removeFrom.length > 0) this.sendUpdate(search, [], removeFrom);
    }
  }

  /** After the selected mailbox's notifications: report how each result changed. */
  async refresh(): Promise<void> {
    if (!this.dirty || this.searches.size === 0) return;
    this.dirty = false;
    for (const search of [...this.searches.values()]) {
      const next = await resultUids(this.session, search.criteria, search.sort);
      const nextSet = new Set(next);
      const removed = new Set(search.results.filter((uid) => !nextSet.has(uid)));
      const removeFrom = removed.size > 0 ? this.removals(search, removed) : [];
      const known = new Set(search.results);
      const addTo = this.additions(search, next, known);
      search.results = next;
      if (addTo.length > 0 || removeFrom.length > 0) this.sendUpdate(search, addTo, removeFrom);
    }
  }

  /** Takes `gone` out of the search's results; the REMOVEFROM pairs for it. */
  private removals(search: Active, gone: ReadonlySet<number>): [number, string][] {
    const pairs: [number, string][] = [];
    const kept: number[] = [];
    let run: number[] = [];
    let runStart = 0;
    const flush = () => {
      if (run.length > 0) pairs.push([runStart, this.format(search, run)]);
      run = [];
    };
    search.results.forEach((uid, i) => {
      if (!gone.has(uid)) {
        kept.push(uid);
        if (search.sort) flush();
        return;
      }
      const number = this.numberOf(search, uid);
      if (number === 0) return; // a message the client never saw numbered: nothing to tell
      // Positions count in the list as it is after the pairs before were applied.
      if (run.length === 0) runStart = search.sort ? kept.length + 1 : i + 1;
      run.push(number);
    });
    flush();
    search.results = kept;
    return pairs; // SEARCH: one run (runs only break on kept messages for SORT)
  }

  /** ADDTO pairs for the members of `next` that are not `known`, at their positions in `next`. */
  private additions(search: Active, next: readonly number[], known: ReadonlySet<number>): [number, string][] {
    const pairs: [number, string][] = [];
    let run: number[] = [];
    let runStart = 0;
    const flush = () => {
      if (run.length > 0) pairs.push([runStart, this.format(search, run)]);
      run = [];
    };
    next.forEach((uid, i) => {
      if (known.has(uid)) {
        if (search.sort) flush();
        return;
      }
      if (run.length === 0) runStart = i + 1;
      run.push(this.numberOf(search, uid));
    });
    flush();
    if (search.sort || pairs.length <= 1) return pairs;
    // SEARCH: ascending order, so one pair says it all.
    const all = next.filter((uid) => !known.has(uid)).map((uid) => this.numberOf(search, uid));
    return [[pairs[0]![0], this.format(search, all)]];
  }

  private numberOf(search: Active, uid: number): number {
    return search.uid ? uid : this.session.requireSelected().seqOf(uid);
  }

  /** Numbers as a set: compressed ascending for SEARCH, in result order for SORT. */
  private format(search: Active, numbers: readonly number[]): string {
    return search.sort ? formatUidList(numbers) : formatSequenceSet([...numbers].sort((a, b) => a - b));
  }

  private sendUpdate(search: Active, addTo: [number, string][], removeFrom: [number, string][]): void {
    this.session.send({
      type: 'ESEARCH',
      tag: search.tag,
      uid: search.uid,
      ...(removeFrom.length > 0 ? { removeFrom } : {}),
      ...(addTo.length > 0 ? { addTo } : {}),
    });
  }
}
