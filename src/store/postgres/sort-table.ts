/**
 * SORT and THREAD keys as narrow columns (store/sort-columns.ts), as in sqlite/sort-table.ts: a
 * message_sort row per message_meta row, written with the meta and dropped with it (ON DELETE CASCADE).
 * A message whose meta has no row gets its fields computed from its header text at read time.
 */
import type pg from 'pg';
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
import { rows, type Sql } from './db.js';
import { inRanges } from './messages.js';

/** meta rows filled per statement by fillMissingSortRows. */
const FILL_BATCH = 1000;

/** Schema step: the table, filled from every stored message's header text in the step's transaction. */
export async function createSortTable(client: pg.PoolClient): Promise<void> {
  await client.query(`
  -- SORT/THREAD keys per message_meta row (sort-table.ts, store/sort-columns.ts).
  CREATE TABLE message_sort (
    meta_id bigint PRIMARY KEY REFERENCES message_meta(id) ON DELETE CASCADE,${SORT_TABLE_COLUMNS}
  );
  `);
  await fillMissingSortRows(client);
}

const INSERT = `INSERT INTO message_sort (meta_id, ${SORT_COLUMNS.join(', ')})
  VALUES (${Array.from({ length: SORT_COLUMNS.length + 1 }, (_, i) => `$${i + 1}`).join(', ')})
  ON CONFLICT (meta_id) DO NOTHING`;

/** The row of a new meta row; runs in the transaction that inserts it. */
export async function addSortRow(
  sql: Sql,
  metaId: number,
  meta: Pick<IngestMeta, 'headerText' | 'sentDate'>,
): Promise<void> {
  await sql.query(INSERT, [metaId, ...sortColumnValues(sortFieldsOf(meta))]);
}

const MISSING = 'NOT EXISTS (SELECT 1 FROM message_sort AS s WHERE s.meta_id = t.id)';

/** Meta rows without a sort row (doctor). */
export async function missingSortRows(sql: Sql): Promise<number> {
  const [found] = await rows<{ n: number }>(
    sql,
    `SELECT count(*) AS n FROM message_meta AS t WHERE ${MISSING}`,
  );
  return found!.n;
}

/** Writes the rows of every meta row that has none; returns how many. */
export async function fillMissingSortRows(sql: Sql): Promise<number> {
  let filled = 0;
  for (let after = 0; ; ) {
    const batch = await rows<{ id: number; sent_date: number | null; header_text: string | null }>(
      sql,
      `SELECT t.id, t.sent_date, x.header_text FROM message_meta AS t
       LEFT JOIN message_text AS x ON x.meta_id = t.id
       WHERE t.id > $1 AND ${MISSING} ORDER BY t.id LIMIT $2`,
      [after, FILL_BATCH],
    );
    for (const row of batch) {
      await addSortRow(sql, row.id, { headerText: row.header_text ?? '', sentDate: row.sent_date });
    }
    filled += batch.length;
    if (batch.length < FILL_BATCH) return filled;
    after = batch[batch.length - 1]!.id;
  }
}

interface SortJoinedRow {
  uid: number;
  internal_date: number;
  size: number;
  kept: boolean;
  sent_date: number | null;
  header_text: string | null;
  meta_sent_date: number | null;
  [column: string]: unknown;
}

/** Store.getSortRows: the sent date and `fields` of the messages with these UIDs, in UID order. */
export async function sortRows(
  sql: Sql,
  mailboxId: number,
  uids: readonly number[],
  fields: readonly SortField[],
): Promise<SortRow[]> {
  const columns = fields.map((f, i) => `, s.${SORT_COLUMN[f]} AS f${i}`).join('');
  // Header text only for a message without its row (a LEFT JOIN that finds nothing otherwise).
  const list = await inRanges<SortJoinedRow>(
    sql,
    `SELECT m.uid, m.internal_date, m.size, s.meta_id IS NOT NULL AS kept, s.sent_date${columns},
       x.header_text, t.sent_date AS meta_sent_date`,
    `messages AS m LEFT JOIN message_sort AS s ON s.meta_id = m.meta_id
       LEFT JOIN message_meta AS t ON s.meta_id IS NULL AND t.id = m.meta_id
       LEFT JOIN message_text AS x ON s.meta_id IS NULL AND x.meta_id = m.meta_id`,
    mailboxId,
    uids,
  );
  return list.map((r) => {
    const row = emptySortRow(r.uid, r.internal_date, r.size);
    if (r.kept) {
      row.sentDate = r.sent_date;
      for (let i = 0; i < fields.length; i++) setSortField(row, fields[i]!, r[`f${i}`]);
    } else {
      const meta = { headerText: r.header_text ?? '', sentDate: r.meta_sent_date };
      setSortFields(row, sortFieldsOf(meta), fields);
    }
    return row;
  });
}
