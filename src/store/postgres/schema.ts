/**
 * The PostgreSQL schema, applied in numbered steps recorded in schema_version, so an existing database
 * upgrades in place; several nodes starting at once serialise on an advisory lock. Never edit a
 * released step. Same model as the SQLite schema (sqlite/schema.ts); times are ms since the epoch.
 */
import type pg from 'pg';
import { createSortTable } from './sort-table.js';

/** pg_advisory_lock key for migrations ("postyard" in ASCII, truncated). */
const MIGRATION_LOCK = 0x706f7374;

/** SQL, or a function for a step that computes values. */
const MIGRATIONS: readonly (string | ((client: pg.PoolClient) => Promise<void>))[] = [
  `
  CREATE TABLE accounts (
    id bigserial PRIMARY KEY,
    login text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    quota_bytes bigint,
    quota_messages bigint,
    retention_days integer,
    pop_delete_policy text,
    pop_mark_seen boolean,
    admin boolean NOT NULL DEFAULT false,
    created_at bigint NOT NULL
  );

  -- Charged in the same transaction as every insert/delete; its row lock makes quota exact across nodes.
  CREATE TABLE quota_usage (
    account_id bigint PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    bytes bigint NOT NULL DEFAULT 0,
    messages bigint NOT NULL DEFAULT 0
  );

  -- uid_next/highest_modseq are bumped by UPDATE ... RETURNING: the row lock orders concurrent nodes.
  CREATE TABLE mailboxes (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name text NOT NULL,
    special_use text,
    uid_validity bigint NOT NULL,
    uid_next bigint NOT NULL DEFAULT 1,
    highest_modseq bigint NOT NULL DEFAULT 1,
    first_recent_uid bigint NOT NULL DEFAULT 1,
    object_id bigint NOT NULL,
    UNIQUE (account_id, name)
  );

  -- By name: IMAP keeps subscriptions for names that do not exist.
  CREATE TABLE subscriptions (
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name text NOT NULL,
    PRIMARY KEY (account_id, name)
  );

  -- Keyed by blob and shared by every copy; search text apart so FETCH never reads it.
  CREATE TABLE message_meta (
    id bigserial PRIMARY KEY,
    blob_id text NOT NULL UNIQUE,
    envelope text NOT NULL,
    body_structure text NOT NULL,
    body text NOT NULL,
    preview text NOT NULL,
    sent_date bigint,
    sent_zone integer,
    structure text NOT NULL
  );
  CREATE TABLE message_text (
    meta_id bigint PRIMARY KEY REFERENCES message_meta(id) ON DELETE CASCADE,
    header_text text NOT NULL,
    body_text text NOT NULL
  );

  -- flags: bit set of system flags (sqlite/flags.ts); keywords: space-separated.
  CREATE TABLE messages (
    mailbox_id bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid bigint NOT NULL,
    modseq bigint NOT NULL,
    flags integer NOT NULL DEFAULT 0,
    keywords text NOT NULL DEFAULT '',
    internal_date bigint NOT NULL,
    save_date bigint NOT NULL,
    size bigint NOT NULL,
    blob_id text NOT NULL,
    meta_id bigint NOT NULL,
    pop_hidden boolean NOT NULL DEFAULT false,
    PRIMARY KEY (mailbox_id, uid)
  );
  CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq);
  CREATE INDEX messages_by_blob ON messages (blob_id);
  CREATE INDEX messages_unseen ON messages (mailbox_id, uid) WHERE (flags & 1) = 0;
  CREATE INDEX messages_keywords ON messages (mailbox_id, keywords) WHERE keywords <> '';

  -- QRESYNC VANISHED (RFC 7162 3.2.10).
  CREATE TABLE expunged (
    mailbox_id bigint NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid bigint NOT NULL,
    modseq bigint NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  );
  CREATE INDEX expunged_by_modseq ON expunged (mailbox_id, modseq);

  -- Store-wide counters (the last UIDVALIDITY handed out).
  CREATE TABLE counters (
    name text PRIMARY KEY,
    value bigint NOT NULL
  );

  CREATE TABLE login_history (
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    protocol text NOT NULL,
    device text NOT NULL,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL,
    logins bigint NOT NULL,
    PRIMARY KEY (account_id, protocol, device)
  );
  CREATE TABLE usage_history (
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    day integer NOT NULL,
    bytes bigint NOT NULL,
    messages bigint NOT NULL,
    PRIMARY KEY (account_id, day)
  );
  CREATE TABLE mail_events (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    outcome text NOT NULL,
    protocol text NOT NULL,
    sender text NOT NULL,
    recipient text NOT NULL,
    account_id bigint REFERENCES accounts(id) ON DELETE SET NULL,
    size bigint,
    reason text,
    remote_address text
  );
  CREATE INDEX mail_events_by_at ON mail_events (at);
  CREATE INDEX mail_events_by_account ON mail_events (account_id, at);
  CREATE TABLE web_sessions (
    token_hash text PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose text NOT NULL,
    csrf_token text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX web_sessions_by_account ON web_sessions (account_id);
  CREATE TABLE api_tokens (
    id bigserial PRIMARY KEY,
    account_id bigint NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name text NOT NULL,
    token_hash text NOT NULL UNIQUE,
    created_at bigint NOT NULL
  );

  -- The outgoing queue (RFC 5321 4.5.4); a sequence never hands out an id twice.
  CREATE TABLE queue_messages (
    id bigserial PRIMARY KEY,
    blob_id text NOT NULL,
    size bigint NOT NULL,
    sender text NOT NULL,
    ret text,
    envid text,
    created_at bigint NOT NULL,
    warned_at bigint
  );
  CREATE INDEX queue_messages_by_blob ON queue_messages (blob_id);
  CREATE TABLE queue_recipients (
    message_id bigint NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    position integer NOT NULL,
    address text NOT NULL,
    domain text NOT NULL,
    notify text,
    orcpt text,
    state text NOT NULL DEFAULT 'queued',
    attempts integer NOT NULL DEFAULT 0,
    next_attempt bigint NOT NULL,
    last_attempt bigint,
    last_reply text,
    PRIMARY KEY (message_id, address)
  );
  CREATE INDEX queue_due ON queue_recipients (next_attempt, message_id) WHERE state = 'queued';
  `,
  `
  -- The auth throttle's windowed failure counters, shared by every node (bus/postgres-coordinator.ts).
  CREATE TABLE coord_failures (
    key text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure bigint NOT NULL,
    blocked_until bigint NOT NULL
  );
  CREATE INDEX coord_failures_by_last ON coord_failures (last_failure);
  `,
  // SCRAM-SHA-256 stored keys beside the scrypt hash (server/auth/scram.ts); NULL until derived.
  'ALTER TABLE accounts ADD COLUMN scram_sha256 text',
  createSortTable,
  `
  -- Message bodies in the database (store.blobs "postgres", database-blobs.ts): one row per blob, its
  -- bytes in chunks of chunk_bytes (the last one shorter), so a ranged read fetches only the chunks it
  -- covers. written_at is garbage collection's grace clock (0 = written with its message, no grace).
  -- No foreign key: a streamed put writes its chunks under a temporary id before the hash is known.
  CREATE TABLE blobs (
    id text PRIMARY KEY,
    size bigint NOT NULL,
    chunk_bytes integer NOT NULL,
    written_at bigint NOT NULL
  );
  CREATE TABLE blob_chunks (
    blob_id text NOT NULL,
    seq integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (blob_id, seq)
  );
  -- Out of line, uncompressed (as the files are): no compression CPU on the delivery path, and reads
  -- copy bytes instead of inflating them.
  ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
  `,
];

export const PG_SCHEMA_VERSION = MIGRATIONS.length;

export async function migrate(client: pg.PoolClient): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
    const found = await client.query<{ version: number }>('SELECT version FROM schema_version');
    const current = found.rows[0]?.version ?? 0;
    if (current > PG_SCHEMA_VERSION) {
      throw new Error(
        `Database schema version ${current} is newer than this Postyard (${PG_SCHEMA_VERSION})`,
      );
    }
    for (let version = current; version < PG_SCHEMA_VERSION; version++) {
      await client.query('BEGIN');
      try {
        const step = MIGRATIONS[version]!;
        if (typeof step === 'string') await client.query(step);
        else await step(client);
        await client.query('DELETE FROM schema_version');
        await client.query('INSERT INTO schema_version (version) VALUES ($1)', [version + 1]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}
