/**
 * `postyard migrate --from sqlite:DIR --to postgres://…`: copies a SQLite store into an empty PostgreSQL
 * database in one transaction, keeping every id, UID, UIDVALIDITY, UIDNEXT, MODSEQ and flag, so IMAP
 * clients keep their caches and POP3 clients their UIDLs (nothing is downloaded again). Message bodies
 * are copied into the database in the same transaction (store.blobs "postgres"), or, for file blobs,
 * stay where they are or are copied to the nodes' shared blob directory.
 * The SQLite side is read in one read transaction: a consistent snapshot even while the old server runs
 * (mail arriving after the snapshot is not copied, so stop delivery to the old server first).
 */
import type { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import { FileBlobStore } from '../blobs.js';
import { SORT_COLUMNS } from '../sort-columns.js';
import { openDatabase } from '../sqlite/database.js';
import { SqliteBlobStore } from '../sqlite/inline-blobs.js';
import type { BlobRef } from '../store.js';
import { putBlobInto } from './database-blobs.js';
import { openPool } from './db.js';
import { migrate } from './schema.js';

type Convert = (value: unknown) => unknown;
const bool: Convert = (v) => (v === null || v === undefined ? null : v === 1);

/** Each table in dependency order: the SQLite SELECT and the PostgreSQL columns it fills. */
const TABLES: ReadonlyArray<{
  table: string;
  select: string;
  columns: string[];
  convert?: Record<string, Convert>;
}> = [
  {
    table: 'accounts',
    select:
      'SELECT id, login, password_hash, quota_bytes, quota_messages, retention_days, pop_delete_policy, pop_mark_seen, admin, created_at FROM accounts',
    columns: [
      'id',
      'login',
      'password_hash',
      'quota_bytes',
      'quota_messages',
      'retention_days',
      'pop_delete_policy',
      'pop_mark_seen',
      'admin',
      'created_at',
    ],
    convert: { pop_mark_seen: bool, admin: bool },
  },
  {
    table: 'quota_usage',
    select: 'SELECT account_id, bytes, messages FROM quota_usage',
    columns: ['account_id', 'bytes', 'messages'],
  },
  {
    table: 'mailboxes',
    select: `SELECT id, account_id, name, special_use, uid_validity, uid_next, highest_modseq, first_recent_uid,
      coalesce(object_id, uid_validity) AS object_id FROM mailboxes`,
    columns: [
      'id',
      'account_id',
      'name',
      'special_use',
      'uid_validity',
      'uid_next',
      'highest_modseq',
      'first_recent_uid',
      'object_id',
    ],
  },
  {
    table: 'subscriptions',
    select: 'SELECT account_id, name FROM subscriptions',
    columns: ['account_id', 'name'],
  },
  {
    table: 'message_meta',
    select:
      'SELECT id, blob_id, envelope, body_structure, body, preview, sent_date, sent_zone, structure FROM message_meta',
    columns: [
      'id',
      'blob_id',
      'envelope',
      'body_structure',
      'body',
      'preview',
      'sent_date',
      'sent_zone',
      'structure',
    ],
  },
  {
    table: 'message_text',
    select: 'SELECT meta_id, header_text, body_text FROM message_text',
    columns: ['meta_id', 'header_text', 'body_text'],
  },
  {
    table: 'message_sort',
    select: `SELECT meta_id, ${SORT_COLUMNS.join(', ')} FROM message_sort`,
    columns: ['meta_id', ...SORT_COLUMNS],
  },
  {
    table: 'messages',
    select: `SELECT mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, meta_id, pop_hidden
      FROM messages`,
    columns: [
      'mailbox_id',
      'uid',
      'modseq',
      'flags',
      'keywords',
      'internal_date',
      'save_date',
      'size',
      'blob_id',
      'meta_id',
      'pop_hidden',
    ],
    convert: { pop_hidden: bool },
  },
  {
    table: 'expunged',
    select: 'SELECT mailbox_id, uid, modseq FROM expunged',
    columns: ['mailbox_id', 'uid', 'modseq'],
  },
  { table: 'counters', select: 'SELECT name, value FROM counters', columns: ['name', 'value'] },
  {
    table: 'login_history',
    select: 'SELECT account_id, protocol, device, first_seen, last_seen, logins FROM login_history',
    columns: ['account_id', 'protocol', 'device', 'first_seen', 'last_seen', 'logins'],
  },
  {
    table: 'usage_history',
    select: 'SELECT account_id, day, bytes, messages FROM usage_history',
    columns: ['account_id', 'day', 'bytes', 'messages'],
  },
  {
    table: 'mail_events',
    select:
      'SELECT id, at, outcome, protocol, sender, recipient, account_id, size, reason, remote_address FROM mail_events',
    columns: [
      'id',
      'at',
      'outcome',
      'protocol',
      'sender',
      'recipient',
      'account_id',
      'size',
      'reason',
      'remote_address',
    ],
  },
  {
    table: 'web_sessions',
    select: 'SELECT token_hash, account_id, purpose, csrf_token, created_at, expires_at FROM web_sessions',
    columns: ['token_hash', 'account_id', 'purpose', 'csrf_token', 'created_at', 'expires_at'],
  },
  {
    table: 'api_tokens',
    select: 'SELECT id, account_id, name, token_hash, created_at FROM api_tokens',
    columns: ['id', 'account_id', 'name', 'token_hash', 'created_at'],
  },
  {
    table: 'queue_messages',
    select: 'SELECT id, blob_id, size, sender, ret, envid, created_at, warned_at FROM queue_messages',
    columns: ['id', 'blob_id', 'size', 'sender', 'ret', 'envid', 'created_at', 'warned_at'],
  },
  {
    table: 'queue_recipients',
    // The order given at enqueue is SQLite's rowid order; PostgreSQL keeps it as position.
    select: `SELECT message_id, row_number() OVER (PARTITION BY message_id ORDER BY rowid) - 1 AS position, address,
      domain, notify, orcpt, state, attempts, next_attempt, last_attempt, last_reply FROM queue_recipients`,
    columns: [
      'message_id',
      'position',
      'address',
      'domain',
      'notify',
      'orcpt',
      'state',
      'attempts',
      'next_attempt',
      'last_attempt',
      'last_reply',
    ],
  },
];

/** Tables whose ids come from a sequence: set past the copied ids, so new rows never reuse one. */
const SEQUENCES = ['accounts', 'mailboxes', 'message_meta', 'mail_events', 'api_tokens', 'queue_messages'];

/** Rows per INSERT (PostgreSQL takes at most 65535 parameters per statement). */
const BATCH = 500;

export interface MigrationReport {
  /** Rows copied per table. */
  rows: Record<string, number>;
  /**
   * Blobs written for the nodes: into the database (every blob), or as files: every blob when copied to
   * another blob directory, else the ones the SQLite store kept in its database (inline_blobs), written
   * out beside its blob files.
   */
  blobs: number;
}

/**
 * Where the nodes will read message bodies: "postgres" (in the database, store.blobs "postgres"), or
 * files in `dir` (store.blobs "files"; the SQLite data directory itself when not given).
 */
export type BlobTarget = 'postgres' | { files: string | undefined };

export class TargetNotEmptyError extends Error {}

export async function migrateSqliteToPostgres(options: {
  sqliteDir: string;
  url: string;
  blobs: BlobTarget;
}): Promise<MigrationReport> {
  const db = openDatabase(options.sqliteDir);
  const pool = openPool(options.url, 1);
  const report: MigrationReport = { rows: {}, blobs: 0 };
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
      await client.query('BEGIN');
      const existing = await client.query<{ n: number }>('SELECT count(*) AS n FROM accounts');
      if (existing.rows[0]!.n > 0) {
        throw new TargetNotEmptyError(
          'the PostgreSQL database already has accounts; migrate into an empty one',
        );
      }
      db.exec('BEGIN'); // one snapshot of every table
      try {
        for (const spec of TABLES) {
          report.rows[spec.table] = await copyTable(db, client, spec);
        }
        const queueSeq = db
          .prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'queue_messages'")
          .get()?.seq;
        for (const table of SEQUENCES) {
          const floor = table === 'queue_messages' ? (queueSeq ?? 0) : 0;
          await client.query(
            `SELECT setval(pg_get_serial_sequence('${table}', 'id'), greatest(coalesce(max(id), 0), $1::bigint) + 1, false)
             FROM ${table}`,
            [floor],
          );
        }
      } finally {
        db.exec('COMMIT');
      }
      // Blobs before the commit: the metadata must never refer to a blob the nodes cannot read.
      const from = new SqliteBlobStore(db, new FileBlobStore(options.sqliteDir));
      report.blobs =
        options.blobs === 'postgres'
          ? await copyBlobs(from, (data) => putBlobInto(client, data))
          : await copyBlobsToFiles(from, new FileBlobStore(options.blobs.files ?? options.sqliteDir));
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      client.release();
    }
  } finally {
    db.close();
    await pool.end();
  }
  return report;
}

async function copyTable(
  db: Database.Database,
  client: { query(text: string, values?: unknown[]): Promise<unknown> },
  spec: (typeof TABLES)[number],
): Promise<number> {
  const statement = db.prepare(spec.select);
  const converters = spec.columns.map((c) => spec.convert?.[c]);
  let batch: unknown[][] = [];
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const values: unknown[] = [];
    const tuples = batch.map((row) => {
      const slots = row.map((value) => {
        values.push(value);
        return `$${values.length}`;
      });
      return `(${slots.join(', ')})`;
    });
    await client.query(
      `INSERT INTO ${spec.table} (${spec.columns.join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    );
    count += batch.length;
    batch = [];
  };
  for (const raw of statement.iterate() as Iterable<Record<string, unknown>>) {
    batch.push(spec.columns.map((c, i) => (converters[i] ? converters[i]!(raw[c]) : raw[c])));
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  return count;
}

/** Writes every blob of the SQLite store (files and database rows) missing from `to` as a file there. */
function copyBlobsToFiles(from: SqliteBlobStore, to: FileBlobStore): Promise<number> {
  return copyBlobs(
    from,
    (data) => to.put(data),
    (id) => to.exists(id),
  );
}

/** Streams every blob of the SQLite store through `write`, checking each arrives under its own id. */
async function copyBlobs(
  from: SqliteBlobStore,
  write: (data: Readable) => Promise<BlobRef>,
  present: (id: string) => Promise<boolean> = async () => false,
): Promise<number> {
  let copied = 0;
  for await (const id of from.list()) {
    if (await present(id)) continue;
    const ref = await write(from.stream(id));
    if (ref.id !== id) throw new Error(`blob ${id} read back as ${ref.id}: the source blob is damaged`);
    copied++;
  }
  return copied;
}
