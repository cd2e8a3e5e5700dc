/**
 * The message_sort table both backends keep (Store.getSortRows): one row per message_meta row (a function
 * of the bytes, shared by every copy), the SORT/THREAD fields of mime/sort-fields.ts as narrow columns
 * written at delivery. This module names the columns and converts to and from them, so the backends
 * store and read the same thing.
 */
import { joinReferences, type SortFields, splitReferences } from '../mime/sort-fields.js';
import type { SortField, SortRow } from './store.js';

/** Column of each field; `reply` is 0/1, `refs` the ids joined by spaces. */
export const SORT_COLUMN: Readonly<Record<SortField, string>> = {
  subject: 'subject',
  replyOrForward: 'reply',
  from: 'from_addr',
  to: 'to_addr',
  cc: 'cc_addr',
  displayFrom: 'display_from',
  displayTo: 'display_to',
  messageId: 'message_id',
  references: 'refs',
};

/**
 * The table's columns after meta_id, as both backends declare them (in SQLite bigint and smallint have
 * INTEGER affinity): sent_date in ms, strings case-folded, reply 0/1, refs the References chain joined
 * by spaces.
 */
export const SORT_TABLE_COLUMNS = `
    sent_date bigint,
    subject text NOT NULL,
    reply smallint NOT NULL,
    from_addr text NOT NULL,
    to_addr text NOT NULL,
    cc_addr text NOT NULL,
    display_from text NOT NULL,
    display_to text NOT NULL,
    message_id text,
    refs text NOT NULL`;

/** Every column after meta_id, in the order sortColumnValues gives them. */
export const SORT_COLUMNS = ['sent_date', ...Object.values(SORT_COLUMN)] as const;

export function sortColumnValues(f: SortFields): (string | number | null)[] {
  return [
    f.sentDate,
    f.subject,
    f.replyOrForward ? 1 : 0,
    f.from,
    f.to,
    f.cc,
    f.displayFrom,
    f.displayTo,
    f.messageId,
    joinReferences(f.references),
  ];
}

/**
 * The references of a row that has none or whose references were not asked for: one frozen list for all
 * (a SORT of 100,000 messages made 100,000 empty arrays, a tenth of its time in garbage collection).
 */
const NO_REFERENCES = Object.freeze([]) as unknown as string[];

/** A row with every content field empty, for the fields a caller did not ask for. */
export function emptySortRow(uid: number, internalDate: number, size: number): SortRow {
  return {
    uid,
    internalDate,
    size,
    sentDate: null,
    subject: '',
    replyOrForward: false,
    from: '',
    to: '',
    cc: '',
    displayFrom: '',
    displayTo: '',
    messageId: null,
    references: NO_REFERENCES,
  };
}

/** Sets `field` of `row` from its column's stored value. */
export function setSortField(row: SortRow, field: SortField, value: unknown): void {
  switch (field) {
    case 'replyOrForward':
      row.replyOrForward = Boolean(value);
      break;
    case 'references':
      row.references = splitReferences(value as string);
      break;
    case 'messageId':
      row.messageId = value as string | null;
      break;
    default:
      row[field] = value as string;
  }
}

/** Copies the asked-for fields of freshly computed `fields` into `row` (a message without a stored row). */
export function setSortFields(row: SortRow, fields: SortFields, wanted: readonly SortField[]): void {
  row.sentDate = fields.sentDate;
  for (const field of wanted) (row as unknown as Record<string, unknown>)[field] = fields[field];
}
