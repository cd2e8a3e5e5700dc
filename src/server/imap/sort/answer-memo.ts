/**
 * The last SORT and THREAD answers over a mailbox, in UIDs, kept with its shared index (shared-index.ts) for
 * every session of this process. What SORT and THREAD compare never changes for a UID within one
 * UIDVALIDITY (the message's bytes, INTERNALDATE and size are fixed), and ties go to mailbox order, which is
 * UID order in every session's view. So an answer over the same set of UIDs is the same answer, and an
 * answer over a set that changed a little is the old one with the gone UIDs left out and the new ones
 * placed (sorted-uids.ts). A client re-sorting or re-threading a big mailbox (webmail does, on every page)
 * then reads nothing.
 */

/** Smaller answers are cheap to compute again and not worth the memory. */
export const MEMO_MIN_MESSAGES = 1000;
/** Answers kept per mailbox (criteria lists and algorithms), the least recently used dropped first. */
const MEMO_ENTRIES = 4;

export interface MemoEntry<T> {
  readonly uidValidity: number;
  /** The set the answer is over: UIDs, ascending. */
  readonly uids: readonly number[];
  readonly answer: T;
}

export class AnswerMemo {
  private readonly entries = new Map<string, MemoEntry<unknown>>();

  /** The entry for `key` (e.g. "SORT REVERSE DATE") in this UIDVALIDITY, if any. */
  get<T>(key: string, uidValidity: number): MemoEntry<T> | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.uidValidity !== uidValidity) return undefined;
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry as MemoEntry<T>;
  }

  /**
   * Keeps `entry` under `key` when its set is big enough to be worth it (then true). Both arrays are not
   * copied.
   */
  set<T>(key: string, entry: MemoEntry<T>): boolean {
    this.entries.delete(key);
    if (entry.uids.length < MEMO_MIN_MESSAGES) return false;
    this.entries.set(key, entry);
    while (this.entries.size > MEMO_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return true;
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Whether two ascending UID lists are the same. */
export function sameUids(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
