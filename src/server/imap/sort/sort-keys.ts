/**
 * What SORT and THREAD compare, per message (RFC 5256 §3, RFC 5957): the content fields of
 * mime/sort-fields.ts (kept by the store at delivery, or computed here from the stored header text) with
 * the message's own UID, place, INTERNALDATE and size.
 */
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import { sortFieldsOf } from '../../../mime/sort-fields.js';
import type { SortCriterion } from '../../../protocol/imap/command.js';
import type { MessageRecord, SortColumns, SortField, SortRow, SortTextField } from '../../../store/store.js';

export { fold } from '../../../mime/sort-fields.js';

/** One message's keys; `seq` is its place in the mailbox (the final tie-breaker, RFC 5256 §3). */
export interface SortKeys extends SortRow {
  seq: number;
  /** INTERNALDATE, seconds. */
  arrival: number;
  /** RFC 5256 §2.2 sent date: the Date header in UTC, else INTERNALDATE; seconds. */
  date: number;
}

/**
 * Keys from a row the store keeps (Store.getSortRows), made of the row itself: a SORT of a big mailbox
 * allocates one object per message, not three.
 */
export function sortKeysOfRow(row: SortRow, seq: number): SortKeys {
  const keys = row as SortKeys;
  keys.seq = seq;
  keys.arrival = Math.floor(row.internalDate / 1000);
  keys.date = row.sentDate === null ? keys.arrival : Math.floor(row.sentDate / 1000);
  return keys;
}

/** Keys computed from the record and its header text: the reference the stored rows must equal. */
export function sortKeysOf(record: MessageRecord, meta: IngestMeta, seq: number): SortKeys {
  const row = { uid: record.uid, internalDate: record.internalDate.getTime(), size: record.size };
  return sortKeysOfRow({ ...row, ...sortFieldsOf(meta) }, seq);
}

const FIELD = {
  ARRIVAL: 'arrival',
  CC: 'cc',
  DATE: 'date',
  FROM: 'from',
  SIZE: 'size',
  SUBJECT: 'subject',
  TO: 'to',
  DISPLAYFROM: 'displayFrom',
  DISPLAYTO: 'displayTo',
} as const satisfies Record<SortCriterion['key'], keyof SortKeys>;

/** The content fields a SORT by `criteria` compares (the sent date is always read: DATE, THREAD). */
export function sortFieldsFor(criteria: readonly SortCriterion[]): SortField[] {
  const fields: SortField[] = [];
  for (const c of criteria) {
    const field = FIELD[c.key];
    if (field !== 'arrival' && field !== 'date' && field !== 'size') fields.push(field);
  }
  return fields;
}

/** The text fields a SORT by `criteria` compares (Store.getSortColumns). */
export function sortTextFieldsFor(criteria: readonly SortCriterion[]): SortTextField[] {
  return sortFieldsFor(criteria) as SortTextField[];
}

/** What THREAD=ORDEREDSUBJECT and THREAD=REFERENCES compare besides the dates. */
export const THREAD_FIELDS: readonly SortField[] = ['subject', 'replyOrForward', 'messageId', 'references'];

/** The comparator of RFC 5256 §3: the criteria in order (REVERSE flips one), then mailbox order. */
export function comparatorOf(criteria: readonly SortCriterion[]): (a: SortKeys, b: SortKeys) => number {
  const fields = criteria.map((c) => ({ field: FIELD[c.key], sign: c.reverse ? -1 : 1 }));
  return (a, b) => {
    for (const { field, sign } of fields) {
      const x = a[field] as string | number;
      const y = b[field] as string | number;
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return a.seq - b.seq;
  };
}

/**
 * The UIDs of `keys` in the order comparatorOf(criteria) sorts them, computed without comparing strings
 * message by message: each criterion becomes a number per message (a string its rank among the distinct
 * values, sorted once), and one criterion sorts as a single Float64Array of rank and place packed together.
 * SORT (SUBJECT) of 100,000 messages spent ~300 ms in the comparator. `keys` must be in mailbox order (seq
 * ascending), as loadSortKeys returns them; otherwise this sorts with the comparator.
 */
export function sortedUidsOf(keys: readonly SortKeys[], criteria: readonly SortCriterion[]): number[] {
  const n = keys.length;
  for (let i = 1; i < n; i++) {
    if (keys[i]!.seq <= keys[i - 1]!.seq) return [...keys].sort(comparatorOf(criteria)).map((k) => k.uid);
  }
  const ranks = criteria.map((c) => ranksOf(keys, FIELD[c.key], c.reverse));
  const order = ranks.length === 1 ? packedOrder(ranks[0]!) : null;
  const places = order ?? comparedOrder(ranks, n);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = keys[places[i]!]!.uid;
  return out;
}

/**
 * The UIDs of the messages at `places` of `columns` (ascending: mailbox order) in SORT order by `criteria`:
 * what sortedUidsOf answers for their keys, with no object per message (Store.getSortColumns).
 */
export function sortedUidsOfColumns(
  columns: SortColumns,
  places: Uint32Array,
  criteria: readonly SortCriterion[],
): number[] {
  const n = places.length;
  const ranks = criteria.map((c) => {
    const out = new Float64Array(n);
    const { internalDates, sentDates, sizes } = columns;
    if (c.key === 'ARRIVAL' || c.key === 'DATE') {
      // As sortKeysOfRow: seconds; DATE falls back to INTERNALDATE without a Date header.
      for (let i = 0; i < n; i++) {
        const sent = c.key === 'DATE' ? sentDates[places[i]!]! : Number.NaN;
        out[i] = Math.floor((Number.isNaN(sent) ? internalDates[places[i]!]! : sent) / 1000);
      }
    } else if (c.key === 'SIZE') {
      for (let i = 0; i < n; i++) out[i] = sizes[places[i]!]!;
    } else {
      const values = columns.text.get(FIELD[c.key] as SortTextField)!;
      stringRanks(n, (i) => values[places[i]!]!, out);
    }
    if (c.reverse) for (let i = 0; i < n; i++) out[i] = -out[i]!;
    return out;
  });
  const order = (ranks.length === 1 ? packedOrder(ranks[0]!) : null) ?? comparedOrder(ranks, n);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = columns.uids[places[order[i]!]!]!;
  return out;
}

/** Into `out`: each of the n values' rank among the distinct values, in UTF-16 code unit order. */
function stringRanks(n: number, value: (i: number) => string, out: Float64Array): void {
  const rank = new Map<string, number>();
  for (let i = 0; i < n; i++) rank.set(value(i), 0);
  // The default sort compares UTF-16 code units, as `<` in comparatorOf does.
  const distinct = [...rank.keys()].sort();
  for (let r = 0; r < distinct.length; r++) rank.set(distinct[r]!, r);
  for (let i = 0; i < n; i++) out[i] = rank.get(value(i))!;
}

/** Each message's value of `field` as an integer that orders as comparatorOf does (negated for REVERSE). */
function ranksOf(keys: readonly SortKeys[], field: keyof SortKeys, reverse: boolean): Float64Array {
  const n = keys.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  if (typeof keys[0]![field] === 'number') {
    for (let i = 0; i < n; i++) out[i] = keys[i]![field] as number;
  } else {
    stringRanks(n, (i) => keys[i]![field] as string, out);
  }
  if (reverse) for (let i = 0; i < n; i++) out[i] = -out[i]!;
  return out;
}

/**
 * Places 0..n-1 sorted by `rank`, ties by place: (rank - min) * 2^bits + place sorted as plain numbers.
 * Null when that does not fit in 2^53 (a rank not an integer, or too wide a range).
 */
function packedOrder(rank: Float64Array): Uint32Array | null {
  const n = rank.length;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const r = rank[i]!;
    if (!Number.isInteger(r)) return null;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  let scale = 1;
  while (scale < n) scale *= 2;
  if (n > 0 && (max - min + 1) * scale > Number.MAX_SAFE_INTEGER) return null;
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) packed[i] = (rank[i]! - min) * scale + i;
  packed.sort();
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = packed[i]! % scale;
  return out;
}

/** Places 0..n-1 sorted by the ranks in order, ties by place. */
function comparedOrder(ranks: readonly Float64Array[], n: number): Uint32Array {
  const places = new Uint32Array(n);
  for (let i = 0; i < n; i++) places[i] = i;
  return places.sort((a, b) => {
    for (const rank of ranks) {
      // As comparatorOf: neither less nor greater (also NaN) goes on to the next criterion.
      if (rank[a]! < rank[b]!) return -1;
      if (rank[a]! > rank[b]!) return 1;
    }
    return a - b;
  });
}
