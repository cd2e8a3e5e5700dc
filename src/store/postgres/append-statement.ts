/**
 * One APPEND or delivery in ONE statement (plus BEGIN and COMMIT): every round trip to PostgreSQL is
 * paid by every message, and the mailbox row lock is held across all of them, so the fewer the better
 * for throughput into one mailbox. Data-modifying CTEs whose dependencies fix the order in which rows are
 * locked, as the step-by-step writes do (mailbox row, blob GC lock, quota row):
 *   box      UPDATE mailboxes (the row lock, one UID, one modseq; the target by id+owner or by name)
 *   held     the blob GC lock, shared (message-writes.ts BLOB_LOCK), once the mailbox is locked
 *   quota    UPDATE quota_usage joined to box, returning the limits (checked by the caller, who
 *            rolls back when over: the statement has written by then)
 *   meta     message_meta (+ message_text, message_sort) once per blob; an existing row is reused
 *   message  INSERT messages
 * A meta row inserted by a concurrent transaction that committed while this statement waited on it is
 * not in this statement's snapshot: then `meta_id` comes back null, no message row was written, and the
 * caller inserts it in a second statement (insertMessageAfterMetaRace).
 */
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { sortFieldsOf } from '../../mime/sort-fields.js';
import { META_COLUMNS, metaColumnValues } from '../meta-columns.js';
import { SORT_COLUMNS, sortColumnValues } from '../sort-columns.js';
import type { BlobRef } from '../store.js';
import { row, type Sql } from './db.js';

export type AppendTarget =
  | { mailboxId: number; accountId: number }
  | { accountId: number; mailboxName: string };

export interface AppendRow {
  mailbox_id: number;
  account_id: number;
  uid_validity: number;
  uid: number;
  modseq: number;
  /** Quota after the charge; null when the account has no quota_usage row. */
  bytes: number | null;
  messages: number | null;
  limit_bytes: number | null;
  limit_messages: number | null;
  /** Null after the meta race described above (no message row written). */
  meta_id: number | null;
  /** The message_meta row this statement inserted (the blob's first message), else null. */
  new_meta_id: number | null;
}

export interface AppendValues {
  blob: BlobRef;
  meta: IngestMeta;
  flagBits: number;
  keywords: string;
  internalDate: number;
  saveDate: number;
}

/** Runs the statement; undefined when the target mailbox does not exist (or is not the account's). */
export function appendStatement(
  sql: Sql,
  target: AppendTarget,
  values: AppendValues,
  blobLock: number,
): Promise<AppendRow | undefined> {
  const where =
    'mailboxId' in target ? 'b.id = $1 AND b.account_id = $2' : 'b.account_id = $2 AND b.name = $1';
  const { blob, meta } = values;
  return row<AppendRow>(
    sql,
    `WITH box AS (
       UPDATE mailboxes AS b SET uid_next = b.uid_next + 1, highest_modseq = b.highest_modseq + 1
       WHERE ${where}
       RETURNING b.id, b.account_id, b.uid_validity, b.uid_next - 1 AS uid, b.highest_modseq AS modseq
     ),
     held AS (SELECT pg_advisory_xact_lock_shared($3::bigint) FROM box),
     quota AS (
       UPDATE quota_usage AS u SET bytes = u.bytes + $4::bigint, messages = u.messages + 1
       FROM box, accounts AS a WHERE u.account_id = box.account_id AND a.id = box.account_id
       RETURNING u.bytes, u.messages, a.quota_bytes AS limit_bytes, a.quota_messages AS limit_messages
     ),
     new_meta AS (
       INSERT INTO message_meta (blob_id, ${META_COLUMNS})
       SELECT $5, $6, $7, $8, $9, $10::bigint, $11::integer, $12 FROM box
       ON CONFLICT (blob_id) DO NOTHING RETURNING id
     ),
     new_text AS (
       INSERT INTO message_text (meta_id, header_text, body_text) SELECT id, $13, $14 FROM new_meta
     ),
     new_sort AS (
       INSERT INTO message_sort (meta_id, ${SORT_COLUMNS.join(', ')})
       SELECT id, ${SORT_PARAMS} FROM new_meta
     ),
     meta AS (
       SELECT id FROM new_meta UNION ALL (SELECT id FROM message_meta WHERE blob_id = $5) LIMIT 1
     ),
     message AS (
       INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, meta_id)
       SELECT box.id, box.uid, box.modseq, $15::integer, $16, $17::bigint, $18::bigint, $4::bigint, $5, meta.id
       FROM box, meta
       RETURNING meta_id
     )
     SELECT box.id AS mailbox_id, box.account_id, box.uid_validity, box.uid, box.modseq,
            quota.bytes, quota.messages, quota.limit_bytes, quota.limit_messages,
            (SELECT meta_id FROM message) AS meta_id, (SELECT id FROM new_meta) AS new_meta_id,
            (SELECT count(*) FROM held) AS held
     FROM box LEFT JOIN quota ON true`,
    [
      'mailboxId' in target ? target.mailboxId : target.mailboxName,
      target.accountId,
      blobLock,
      blob.size,
      blob.id,
      ...metaColumnValues(meta),
      meta.headerText,
      meta.bodyText,
      values.flagBits,
      values.keywords,
      values.internalDate,
      values.saveDate,
      ...sortColumnValues(sortFieldsOf(meta)),
    ],
  );
}

/** $19 on: the message_sort columns (sort-table.ts), typed as the table declares them. */
const SORT_PARAMS = SORT_COLUMNS.map(
  (column, i) =>
    `$${19 + i}${column === 'sent_date' ? '::bigint' : column === 'reply' ? '::smallint' : '::text'}`,
).join(', ');

/** The message row after the meta race: the concurrent meta row is committed and visible now. */
export async function insertMessageAfterMetaRace(
  sql: Sql,
  appended: AppendRow,
  values: AppendValues,
): Promise<void> {
  await sql.query(
    `INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, meta_id)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, id FROM message_meta WHERE blob_id = $9`,
    [
      appended.mailbox_id,
      appended.uid,
      appended.modseq,
      values.flagBits,
      values.keywords,
      values.internalDate,
      values.saveDate,
      values.blob.size,
      values.blob.id,
    ],
  );
}
