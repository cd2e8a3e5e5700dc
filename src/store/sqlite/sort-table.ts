/**
 * SORT and THREAD keys as narrow columns (store/sort-columns.ts): a message_sort row per message_meta
 * row, written in the transaction that adds the meta and dropped with it (ON DELETE CASCADE), so a SORT
 * of a big mailbox is one range scan of messages joined by integer key, with no header text read.
 * A message whose meta has no row (none should: the schema step fills them) gets its fields computed
 * from its header text at read time, so answers never depend on the table being complete.
 */
import type Database from 'better-sqlite3';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { sortFieldsOf } from '../../mime/sort-fields.js';
import {
  emptySortRow,
  SORT_COLUMN,
  SORT_COLUMNS,
  SORT_TABLE_COLUMNS,
  setSortField,
  setSortFields,
  sortColumnValues,
} from '../sort-columns.js';
import type { SortColumns, SortField, SortRow, SortTextField } from '../store.js';
import { RangeQuery } from './messages.js';
import { toUidRanges, type UidRange } from './uid-ranges.js';

/** meta rows filled per statement by fillMissing, so a large store is not held in memory at once. */
const FILL_BATCH = 1000;

/** Schema step: the table, filled from every stored message's header text in the step's transaction. */
export function createSortTable(db: Database.Database): void {
  db.exec(`
  -- SORT/THREAD keys per message_meta row (sort-table.ts, store/sort-columns.ts).
  CREATE TABLE message_sort (
    meta_id INTEGER PRIMARY KEY REFERENCES message_meta(id) ON DELETE CASCADE,${SORT_TABLE_COLUMNS}
  );
  `);
  new SortTable(db).fillMissing();
}

export class SortTable {
  private readonly insertStmt: Database.Statement;
  private readonly missingBatchStmt: Database.Statement<
    [number, number],
    { id: number; sent_date: number | null; header_text: string | null }
  >;
  private readonly missingCountStmt: Database.Statement<[], number>;
  private readonly textStmt: Database.Statement<
    [number],
    { sent_date: number | null; header_text: string | null }
  >;
  /** Prepared range queries by select list (one per field list and form). */
  private readonly queries = new Map<string, RangeQuery<unknown[]>>();

  constructor(private readonly db: Database.Database) {
    // An upsert, not INSERT OR REPLACE: REPLACE made this one-row insert take 0.4-0.8 ms inside a
    // delivery's transaction (0.007 ms as an upsert; measured with the sample mbox, 1,200 deliveries).
    this.insertStmt = db.prepare(
      `INSERT INTO message_sort (meta_id, ${SORT_COLUMNS.join(', ')})
       VALUES (?${', ?'.repeat(SORT_COLUMNS.length)})
       ON CONFLICT (meta_id) DO UPDATE SET ${SORT_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    );
    const missing = 'NOT EXISTS (SELECT 1 FROM message_sort AS s WHERE s.meta_id = t.id)';
    this.missingBatchStmt = db.prepare(
      `SELECT t.id, t.sent_date, x.header_text FROM message_meta AS t
       LEFT JOIN message_text AS x ON x.meta_id = t.id
       WHERE t.id > ? AND ${missing} ORDER BY t.id LIMIT ?`,
    );
    this.missingCountStmt = db
      .prepare<[], number>(`SELECT count(*) FROM message_meta AS t WHERE ${missing}`)
      .pluck();
    this.textStmt = db.prepare(
      `SELECT t.sent_date, x.header_text FROM message_meta AS t
       LEFT JOIN message_text AS x ON x.meta_id = t.id WHERE t.id = ?`,
    );
  }

  /** The row of a new meta row; runs in the transaction that inserts it. */
  add(metaId: number, meta: Pick<IngestMeta, 'headerText' | 'sentDate'>): void {
    this.insertStmt.run(metaId, ...sortColumnValues(sortFieldsOf(meta)));
  }

  /** Meta rows without a sort row (doctor). */
  missing(): number {
    return this.missingCountStmt.get()!;
  }

  /** Writes the rows of every meta row that has none; returns how many. */
  fillMissing(): number {
    let filled = 0;
    for (let after = 0; ; ) {
      const rows = this.missingBatchStmt.all(after, FILL_BATCH);
      for (const row of rows) {
        this.add(row.id, { headerText: row.header_text ?? '', sentDate: row.sent_date });
      }
      filled += rows.length;
      if (rows.length < FILL_BATCH) return filled;
      after = rows[rows.length - 1]!.id;
    }
  }

  /**
   * Store.getSortRows: the sent date and `fields` of the messages with these UIDs, in UID order. Read as
   * columns: one row whose values are each column's values joined (group_concat), split here. better-sqlite3
   * spends microseconds per returned row, so 100,000 rows cost ten times what one joined row does. The
   * number columns are parsed straight from the joined text (no string per value: at 100,000 messages
   * those strings were most of a first SORT's garbage collection), and the messages without a sort row
   * come as their own short list.
   */
  rows(mailboxId: number, uids: readonly number[], fields: readonly SortField[]): SortRow[] {
    const ranges = toUidRanges(uids);
    const joined = this.columnsReader(fields).all(mailboxId, ranges)[0];
    const columns = joined ? splitColumns(joined, fields.length) : null;
    if (!columns) return this.rowByRow(mailboxId, ranges, fields);
    const { uidList, dates, sizes, sentDates, missing, values } = columns;
    const out: SortRow[] = new Array(uidList.length);
    for (let i = 0; i < out.length; i++) {
      const row = emptySortRow(small(uidList[i]!), dates[i]!, small(sizes[i]!));
      const metaId = missing.get(row.uid);
      if (metaId === undefined) {
        row.sentDate = Number.isNaN(sentDates[i]!) ? null : sentDates[i]!;
        for (let f = 0; f < fields.length; f++)
          setSortField(row, fields[f]!, fromJoinable(fields[f]!, values[f]![i]!));
      } else {
        this.computeFields(row, metaId, fields);
      }
      out[i] = row;
    }
    return out;
  }

  /**
   * Store.getSortColumns: `rows` as columns, with no object per message. The messages without a sort row
   * get their fields computed in place; a read the joined form cannot carry goes row by row.
   */
  columns(mailboxId: number, uids: readonly number[], fields: readonly SortTextField[]): SortColumns {
    const ranges = toUidRanges(uids);
    const joined = this.columnsReader(fields).all(mailboxId, ranges)[0];
    const columns = joined ? splitColumns(joined, fields.length) : null;
    if (!columns) return columnsOf(this.rowByRow(mailboxId, ranges, fields), fields);
    const { uidList, dates, sizes, sentDates, missing, values } = columns;
    if (missing.size > 0) {
      for (let i = 0; i < uidList.length; i++) {
        const metaId = missing.get(uidList[i]!);
        if (metaId === undefined) continue;
        const row = emptySortRow(uidList[i]!, dates[i]!, sizes[i]!);
        this.computeFields(row, metaId, fields);
        sentDates[i] = row.sentDate ?? Number.NaN;
        for (let f = 0; f < fields.length; f++) values[f]![i] = row[fields[f]!];
      }
    }
    const text = new Map(fields.map((field, f) => [field, values[f]!] as const));
    return { uids: uidList, internalDates: dates, sizes, sentDates, text };
  }

  /** The same as `rows`, a returned row per message: for values the joined form cannot carry. */
  private rowByRow(mailboxId: number, ranges: UidRange[], fields: readonly SortField[]): SortRow[] {
    const raw = this.reader(fields).all(mailboxId, ranges);
    const out: SortRow[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      const row = emptySortRow(c[0] as number, c[1] as number, c[2] as number);
      if (c[4] === 1) {
        row.sentDate = c[5] as number | null;
        for (let f = 0; f < fields.length; f++) setSortField(row, fields[f]!, c[6 + f]);
      } else {
        this.computeFields(row, c[3] as number, fields);
      }
      out[i] = row;
    }
    return out;
  }

  /** A message without a stored row: its fields from its header text. */
  private computeFields(row: SortRow, metaId: number, fields: readonly SortField[]): void {
    const text = this.textStmt.get(metaId);
    const meta = { headerText: text?.header_text ?? '', sentDate: text?.sent_date ?? null };
    setSortFields(row, sortFieldsOf(meta), fields);
  }

  /** Each column's values joined, in UID order; the messages without a sort row as `uid:meta_id` pairs. */
  private columnsReader(fields: readonly SortField[]): RangeQuery<unknown[]> {
    const columns = fields.map((f) => `, group_concat(${joinableColumn(f)}, char(0))`).join('');
    return this.prepared(
      `SELECT count(*), group_concat(m.uid), group_concat(m.internal_date), group_concat(m.size),
         group_concat(ifnull(s.sent_date, '')),
         group_concat(CASE WHEN s.meta_id IS NULL THEN m.uid || ':' || m.meta_id END)
         ${columns}`,
      fields.length === 0,
    );
  }

  /** Only the asked-for columns, a row per message. */
  private reader(fields: readonly SortField[]): RangeQuery<unknown[]> {
    const columns = fields.map((f) => `, s.${SORT_COLUMN[f]}`).join('');
    return this.prepared(
      `SELECT m.uid, m.internal_date, m.size, m.meta_id, s.meta_id IS NOT NULL, s.sent_date${columns}`,
      fields.length === 0,
    );
  }

  /**
   * The range query with this select list over messages and their sort rows, prepared once. Without text
   * fields only the sent date is read from a sort row: from the narrow (meta_id, sent_date) index, which
   * the planner would not pick over the table's own key.
   */
  private prepared(select: string, datesOnly: boolean): RangeQuery<unknown[]> {
    const key = `${datesOnly} ${select}`;
    let query = this.queries.get(key);
    if (!query) {
      const sort = datesOnly ? 'message_sort AS s INDEXED BY message_sort_dates' : 'message_sort AS s';
      const from = `messages AS m LEFT JOIN ${sort} ON s.meta_id = m.meta_id`;
      query = new RangeQuery(this.db, select, from, (c) => c);
      this.queries.set(key, query);
    }
    return query;
  }
}

/**
 * A field's column as text that group_concat keeps (it skips NULLs): a message without a sort row reads
 * '' (its fields are computed instead), and message_id, which may be NULL, gets a one-character prefix.
 */
function joinableColumn(field: SortField): string {
  const column = `s.${SORT_COLUMN[field]}`;
  if (field === 'messageId') return `CASE WHEN ${column} IS NULL THEN '' ELSE '+' || ${column} END`;
  return `ifnull(${column}, '')`;
}

function fromJoinable(field: SortField, text: string): unknown {
  if (field === 'messageId') return text === '' ? null : text.slice(1);
  if (field === 'replyOrForward') return text === '1';
  return text;
}

/** Rows as columns (the row-by-row read's answer for Store.getSortColumns). */
function columnsOf(rows: readonly SortRow[], fields: readonly SortTextField[]): SortColumns {
  const n = rows.length;
  const uids = new Float64Array(n);
  const internalDates = new Float64Array(n);
  const sizes = new Float64Array(n);
  const sentDates = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const row = rows[i]!;
    uids[i] = row.uid;
    internalDates[i] = row.internalDate;
    sizes[i] = row.size;
    sentDates[i] = row.sentDate ?? Number.NaN;
  }
  const text = new Map(fields.map((field) => [field, rows.map((row) => row[field])] as const));
  return { uids, internalDates, sizes, sentDates, text };
}

interface Columns {
  uidList: Float64Array;
  dates: Float64Array;
  sizes: Float64Array;
  /** NaN for none. */
  sentDates: Float64Array;
  /** The meta id of each message without a sort row, by UID. */
  missing: Map<number, number>;
  values: string[][];
}

/**
 * The columns of a joined row: the number ones parsed, the `fields` text ones split at NULs. Null when a
 * text value held a NUL itself (more pieces than messages), a number column is not plain integers, or the
 * UIDs are not ascending: the caller then reads row by row.
 */
function splitColumns(joined: unknown[], fields: number): Columns | null {
  const count = joined[0] as number;
  const uidList = integers(joined[1], count, false);
  const dates = integers(joined[2], count, false);
  const sizes = integers(joined[3], count, false);
  const sentDates = integers(joined[4], count, true);
  if (!uidList || !dates || !sizes || !sentDates) return null;
  for (let i = 1; i < count; i++) if (uidList[i]! <= uidList[i - 1]!) return null;
  const missing = new Map<number, number>();
  if (typeof joined[5] === 'string') {
    for (const pair of joined[5].split(',')) {
      const [uid, metaId] = pair.split(':');
      missing.set(Number(uid), Number(metaId));
    }
  }
  const values: string[][] = [];
  for (let f = 0; f < fields; f++) {
    const column = count === 0 ? [] : (joined[6 + f] as string).split('\0');
    if (column.length !== count) return null;
    values.push(column);
  }
  return { uidList, dates, sizes, sentDates, missing, values };
}

/**
 * `n` as a small integer where it is one. A double read from a Float64Array stored in the row made V8 widen
 * the field (uid, then seq, which takes the uid) from small integer to double for every row object: 100,000
 * objects migrated one by one when THREAD set seq := uid (~200 ms).
 */
function small(n: number): number {
  return (n | 0) === n ? n | 0 : n;
}

/**
 * `count` integers from their comma-joined decimal text (group_concat of an INTEGER column), read char by
 * char; an empty one is NaN when `empties` allows it. Null for anything else (a REAL, too many or few).
 */
function integers(text: unknown, count: number, empties: boolean): Float64Array | null {
  const out = new Float64Array(count);
  if (count === 0) return out;
  if (typeof text !== 'string') return null;
  let n = 0;
  let value = 0;
  let digits = 0;
  let negative = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 44;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      digits++;
    } else if (c === 45 && digits === 0 && !negative) {
      negative = true;
    } else if (c === 44) {
      if (n === count || digits > 15 || (digits === 0 && (negative || !empties))) return null;
      out[n++] = digits === 0 ? Number.NaN : negative ? -value : value;
      value = 0;
      digits = 0;
      negative = false;
    } else {
      return null;
    }
  }
  return n === count ? out : null;
}
