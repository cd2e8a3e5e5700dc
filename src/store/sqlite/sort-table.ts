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
import type { SortField, SortRow } from '../store.js';
import { RangeQuery } from './messages.js';
import { toUidRanges } from './uid-ranges.js';

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
  private readonly readers = new Map<string, RangeQuery<unknown[]>>();

  constructor(private readonly db: Database.Database) {
    this.insertStmt = db.prepare(
      `INSERT OR REPLACE INTO message_sort (meta_id, ${SORT_COLUMNS.join(', ')})
       VALUES (?${', ?'.repeat(SORT_COLUMNS.length)})`,
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

  /** Store.getSortRows: the sent date and `fields` of the messages with these UIDs, in UID order. */
  rows(mailboxId: number, uids: readonly number[], fields: readonly SortField[]): SortRow[] {
    const raw = this.reader(fields).all(mailboxId, toUidRanges(uids));
    const out: SortRow[] = new Array(raw.length);
    for (let i = 0; i < raw.length; i++) {
      const c = raw[i]!;
      const row = emptySortRow(c[0] as number, c[1] as number, c[2] as number);
      if (c[4] === 1) {
        row.sentDate = c[5] as number | null;
        for (let f = 0; f < fields.length; f++) setSortField(row, fields[f]!, c[6 + f]);
      } else {
        const text = this.textStmt.get(c[3] as number);
        const meta = { headerText: text?.header_text ?? '', sentDate: text?.sent_date ?? null };
        setSortFields(row, sortFieldsOf(meta), fields);
      }
      out[i] = row;
    }
    return out;
  }

  /** One prepared query per field list: only the asked-for columns are read. */
  private reader(fields: readonly SortField[]): RangeQuery<unknown[]> {
    const key = fields.join(',');
    let query = this.readers.get(key);
    if (!query) {
      const columns = fields.map((f) => `, s.${SORT_COLUMN[f]}`).join('');
      query = new RangeQuery(
        this.db,
        `SELECT m.uid, m.internal_date, m.size, m.meta_id, s.meta_id IS NOT NULL, s.sent_date${columns}`,
        'messages AS m LEFT JOIN message_sort AS s ON s.meta_id = m.meta_id',
        (c) => c,
      );
      this.readers.set(key, query);
    }
    return query;
  }
}
