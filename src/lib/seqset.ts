/**
 * IMAP sequence sets (RFC 9051 §9 `sequence-set`, `seq-range`, `seq-number`; RFC 5182 `$`).
 * Pure: parsing, membership, bounded expansion, and compression of sorted UID lists.
 * Ranges are kept as written (`*` symbolic) until resolved against a mailbox, so `1:*` costs nothing.
 */

/** A number, or `'*'`: the largest number in use in the mailbox (RFC 9051 §9 `seq-number`). */
export type SeqBound = number | '*';

export interface SeqRange {
  readonly from: SeqBound;
  readonly to: SeqBound;
}

/** A parsed set; `saved` is RFC 5182 `$` (the result saved by SEARCH RETURN (SAVE)). */
export type SequenceSet =
  | { readonly kind: 'ranges'; readonly ranges: readonly SeqRange[] }
  | { readonly kind: 'saved' };

/** A resolved range with `from <= to`, both concrete. */
export interface ResolvedRange {
  readonly from: number;
  readonly to: number;
}

const MAX_NZ = 0xffffffff; // nz-number is a 32-bit unsigned value (RFC 9051 §9 `nz-number`)

export class SeqSetSyntaxError extends Error {
  override name = 'SeqSetSyntaxError';
}

function parseBound(text: string, start: number, end: number): SeqBound | undefined {
  if (end - start === 1 && text.charCodeAt(start) === 42 /* * */) return '*';
  if (end <= start || end - start > 10) return undefined;
  const first = text.charCodeAt(start);
  if (first < 49 || first > 57) return undefined; // nz-number: no leading zero
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return undefined;
    value = value * 10 + (c - 48);
  }
  return value > MAX_NZ ? undefined : value;
}

/** Parses `1:*,3,5:7` or `$`; returns undefined on any syntax error (never throws). */
export function tryParseSequenceSet(text: string): SequenceSet | undefined {
  if (text === '$') return { kind: 'saved' };
  if (text.length === 0) return undefined;
  const ranges: SeqRange[] = [];
  let start = 0;
  while (start <= text.length) {
    let comma = text.indexOf(',', start);
    if (comma < 0) comma = text.length;
    const colon = text.indexOf(':', start);
    if (colon >= 0 && colon < comma) {
      const from = parseBound(text, start, colon);
      const to = parseBound(text, colon + 1, comma);
      if (from === undefined || to === undefined) return undefined;
      ranges.push({ from, to });
    } else {
      const n = parseBound(text, start, comma);
      if (n === undefined) return undefined;
      ranges.push({ from: n, to: n });
    }
    start = comma + 1;
  }
  return { kind: 'ranges', ranges };
}

export function parseSequenceSet(text: string): SequenceSet {
  const set = tryParseSequenceSet(text);
  if (!set) throw new SeqSetSyntaxError(`Invalid sequence set: ${text.slice(0, 64)}`);
  return set;
}

/**
 * Resolves `*` against `max` (the highest sequence number or UID) and returns sorted, merged,
 * non-overlapping ranges. RFC 9051 §9: `n:m` equals `m:n`; `*` with an empty mailbox resolves to 0,
 * which matches nothing. Ranges are clamped to 1..max for sequence numbers when `clamp` is set.
 */
export function resolveRanges(set: SequenceSet, max: number, clamp = false): ResolvedRange[] {
  if (set.kind === 'saved') return [];
  const out: { from: number; to: number }[] = [];
  for (const r of set.ranges) {
    let a = r.from === '*' ? max : r.from;
    let b = r.to === '*' ? max : r.to;
    if (a > b) [a, b] = [b, a];
    if (clamp) {
      if (a < 1) a = 1;
      if (b > max) b = max;
    }
    if (a < 1 || a > b) continue;
    out.push({ from: a, to: b });
  }
  out.sort((x, y) => x.from - y.from);
  const merged: { from: number; to: number }[] = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last && r.from <= last.to + 1) {
      if (r.to > last.to) last.to = r.to;
    } else merged.push({ from: r.from, to: r.to });
  }
  return merged;
}

/** True when `n` is in the set (with `*` meaning `max`). */
export function seqSetContains(set: SequenceSet, n: number, max: number): boolean {
  if (set.kind === 'saved') return false;
  for (const r of set.ranges) {
    let a = r.from === '*' ? max : r.from;
    let b = r.to === '*' ? max : r.to;
    if (a > b) [a, b] = [b, a];
    if (n >= a && n <= b) return true;
  }
  return false;
}

/** Counts the numbers a resolved set covers, without expanding it. */
export function countResolved(ranges: readonly ResolvedRange[]): number {
  let n = 0;
  for (const r of ranges) n += r.to - r.from + 1;
  return n;
}

/**
 * Yields the indexes (0-based) into a sorted UID list whose UIDs fall in the set. Walks the list and
 * the merged ranges together: O(uids + ranges), never materialises `1:4294967295`.
 * `*` resolves to the last UID of the list (RFC 9051 §6.4.8: `*` is the highest UID in use).
 */
export function* matchSortedUids(set: SequenceSet, uids: ArrayLike<number>): Generator<number> {
  const n = uids.length;
  if (n === 0) return;
  const ranges = resolveRanges(set, uids[n - 1]!);
  let i = 0;
  for (const r of ranges) {
    i = lowerBound(uids, r.from, i);
    while (i < n && uids[i]! <= r.to) yield i++;
    if (i >= n) return;
  }
}

/**
 * The same selection as `matchSortedUids`, as half-open index ranges `[start, end)` into the sorted list:
 * O(ranges × log uids), so `UID FETCH 1:*` on 100,000 messages is one range, not 100,000 yields.
 */
export function uidIndexRanges(set: SequenceSet, uids: ArrayLike<number>): Array<[number, number]> {
  const n = uids.length;
  const out: Array<[number, number]> = [];
  if (n === 0) return out;
  let from = 0;
  for (const r of resolveRanges(set, uids[n - 1]!)) {
    const start = lowerBound(uids, r.from, from);
    const end = r.to >= 0xffffffff ? n : lowerBound(uids, r.to + 1, start);
    if (end > start) out.push([start, end]);
    from = end;
    if (from >= n) break;
  }
  return out;
}

/**
 * True when the set names a number above `max` (`*` never does). Message sequence numbers beyond the
 * mailbox size are invalid (RFC 9051 §9 `seq-number`), whereas UID sets may name unused UIDs.
 */
export function seqSetExceeds(set: SequenceSet, max: number): boolean {
  if (set.kind === 'saved') return false;
  for (const r of set.ranges) {
    if ((r.from !== '*' && r.from > max) || (r.to !== '*' && r.to > max)) return true;
  }
  return false;
}

/** Index of the first element >= value, searching from `lo` (binary search). */
export function lowerBound(sorted: ArrayLike<number>, value: number, lo = 0): number {
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Yields each number of a resolved range list in ascending order. */
export function* iterateResolved(ranges: readonly ResolvedRange[]): Generator<number> {
  for (const r of ranges) for (let k = r.from; k <= r.to; k++) yield k;
}

/**
 * Compresses numbers into the shortest set string, e.g. [1,2,3,7] → `1:3,7` (for COPYUID, ESEARCH).
 * Input in any order; duplicates are dropped. Order of a COPYUID pair must be preserved by the
 * caller: use `formatUidList` for that.
 */
export function formatSequenceSet(numbers: ArrayLike<number>): string {
  const sorted = Array.from(numbers).sort((a, b) => a - b);
  return formatUidList(sorted);
}

/**
 * Compresses a list keeping its order (ascending runs become `a:b`). RFC 4315 §3: the source and
 * destination sets of COPYUID must correspond element by element, so they are not re-sorted.
 */
export function formatUidList(list: ArrayLike<number>): string {
  const n = list.length;
  if (n === 0) return '';
  let out = '';
  let runStart = list[0]!;
  let prev = runStart;
  for (let i = 1; i <= n; i++) {
    const cur = i < n ? list[i]! : Number.NaN;
    if (cur === prev) continue; // duplicate
    if (cur === prev + 1) {
      prev = cur;
      continue;
    }
    out += out.length > 0 ? ',' : '';
    out += runStart === prev ? String(runStart) : `${runStart}:${prev}`;
    runStart = cur;
    prev = cur;
  }
  return out;
}

/** Formats a parsed set back to its wire form (keeps `*` and order as written). */
export function sequenceSetToString(set: SequenceSet): string {
  if (set.kind === 'saved') return '$';
  return set.ranges.map((r) => (r.from === r.to ? String(r.from) : `${r.from}:${r.to}`)).join(',');
}
