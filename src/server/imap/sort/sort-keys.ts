/**
 * What SORT and THREAD compare, per message (RFC 5256 §3, RFC 5957): the content fields of
 * mime/sort-fields.ts (kept by the store at delivery, or computed here from the stored header text) with
 * the message's own UID, place, INTERNALDATE and size.
 */
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import { sortFieldsOf } from '../../../mime/sort-fields.js';
import type { SortCriterion } from '../../../protocol/imap/command.js';
import type { MessageRecord, SortField, SortRow } from '../../../store/store.js';

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
