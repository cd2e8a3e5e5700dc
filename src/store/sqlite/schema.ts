/**
 * The SQLite schema, applied by `PRAGMA user_version` steps so existing data files upgrade in place.
 * Each entry of MIGRATIONS moves the database from version i to i + 1 (SQL, or a function for a step
 * that computes values); never edit a released step.
 */
import type Database from 'better-sqlite3';
import { createFieldIndex, createSearchIndex } from './search-index.js';
import { backfillSentZone } from './sent-zone-backfill.js';
import { createSortTable } from './sort-table.js';

/** The Date header's zone (IngestMeta.sentZone) for SEARCH SENT*; existing rows get it from their text. */
function addSentZone(db: Database.Database): void {
  db.exec('ALTER TABLE message_meta ADD COLUMN sent_zone INTEGER');
  backfillSentZone(db);
}

const MIGRATIONS: ReadonlyArray<string | ((db: Database.Database) => void)> = [
  `
  CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    login TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    quota_bytes INTEGER,
    quota_messages INTEGER,
    retention_days INTEGER,
    pop_delete_policy TEXT,
    created_at INTEGER NOT NULL
  );

  -- Charged in the same transaction as every insert/delete, so quota checks never SUM.
  CREATE TABLE quota_usage (
    account_id INTEGER PRIMARY KEY REFERENCES accounts(id) ON DELETE CASCADE,
    bytes INTEGER NOT NULL DEFAULT 0,
    messages INTEGER NOT NULL DEFAULT 0
  );

  CREATE TABLE mailboxes (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    special_use TEXT,
    uid_validity INTEGER NOT NULL,
    uid_next INTEGER NOT NULL DEFAULT 1,
    highest_modseq INTEGER NOT NULL DEFAULT 1,
    first_recent_uid INTEGER NOT NULL DEFAULT 1,
    UNIQUE (account_id, name)
  );

  -- By name, not mailbox id: IMAP keeps subscriptions for names that do not exist.
  CREATE TABLE subscriptions (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (account_id, name)
  ) WITHOUT ROWID;

  -- Ingest metadata is a function of the bytes, so it is keyed by blob and shared by every copy.
  -- A rowid table (not WITHOUT ROWID) so rows of a few KB stay on their page; messages point at it by
  -- rowid, so FETCH joins with one integer lookup. Search text lives apart so FETCH never pages over it.
  CREATE TABLE message_meta (
    id INTEGER PRIMARY KEY,
    blob_id TEXT NOT NULL UNIQUE,
    envelope TEXT NOT NULL,
    body_structure TEXT NOT NULL,
    body TEXT NOT NULL,
    preview TEXT NOT NULL,
    sent_date INTEGER,
    structure TEXT NOT NULL
  );
  CREATE TABLE message_text (
    meta_id INTEGER PRIMARY KEY REFERENCES message_meta(id) ON DELETE CASCADE,
    header_text TEXT NOT NULL,
    body_text TEXT NOT NULL
  );

  -- Clustered by (mailbox, uid): index reads and UID ranges are one b-tree range scan.
  -- flags: bit set of system flags (see flags.ts); keywords: space-separated.
  CREATE TABLE messages (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    flags INTEGER NOT NULL DEFAULT 0,
    keywords TEXT NOT NULL DEFAULT '',
    internal_date INTEGER NOT NULL,
    save_date INTEGER NOT NULL,
    size INTEGER NOT NULL,
    blob_id TEXT NOT NULL,
    meta_id INTEGER NOT NULL,
    pop_hidden INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (mailbox_id, uid)
  ) WITHOUT ROWID;
  CREATE INDEX messages_by_modseq ON messages (mailbox_id, modseq);
  CREATE INDEX messages_by_blob ON messages (blob_id);

  -- QRESYNC VANISHED (RFC 7162 3.2.10).
  CREATE TABLE expunged (
    mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,
    uid INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, uid)
  ) WITHOUT ROWID;
  CREATE INDEX expunged_by_modseq ON expunged (mailbox_id, modseq);

  -- Store-wide counters (e.g. the last UIDVALIDITY handed out).
  CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  `
  -- Every commit lists the mailboxes it changed, so other processes on the same file (postyard deliver,
  -- the CLI, cluster workers) can tell their sessions. Pruned to a recent window; see change-log.ts.
  CREATE TABLE change_log (
    seq INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL,
    mailbox_id INTEGER NOT NULL,
    modseq INTEGER NOT NULL,
    structural INTEGER NOT NULL DEFAULT 0
  );
  `,
  `
  -- SELECT's first unseen message without a scan of the mailbox: only unseen messages are in this index
  -- (the expression must stay the one messages.ts queries with; 1 is SEEN_BIT in flags.ts).
  CREATE INDEX messages_unseen ON messages (mailbox_id, uid) WHERE (flags & 1) = 0;
  `,
  `
  -- The keywords in use in a mailbox (SELECT's FLAGS) by one seek per distinct keyword combination, not
  -- a scan; messages without keywords are not in it (messages.ts queries with the same expression).
  CREATE INDEX messages_keywords ON messages (mailbox_id, keywords) WHERE keywords != '';
  `,
  `
  -- Per-account override of pop3.markSeenOnRetr: NULL = the server default, 0/1 = off/on.
  ALTER TABLE accounts ADD COLUMN pop_mark_seen INTEGER;
  `,
  `
  -- Setup and admin pages (activity.ts): admins, device logins, usage over time, mail events, web access.
  ALTER TABLE accounts ADD COLUMN admin INTEGER NOT NULL DEFAULT 0;

  -- One row per account, protocol and device (not per login), so a busy client costs one row.
  CREATE TABLE login_history (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    protocol TEXT NOT NULL,
    device TEXT NOT NULL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    logins INTEGER NOT NULL,
    PRIMARY KEY (account_id, protocol, device)
  ) WITHOUT ROWID;

  -- day: days since 1970-01-01 UTC; the day's last sample wins.
  CREATE TABLE usage_history (
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    bytes INTEGER NOT NULL,
    messages INTEGER NOT NULL,
    PRIMARY KEY (account_id, day)
  ) WITHOUT ROWID;

  -- Kept when the account goes (the admin still sees what happened), with its id cleared.
  CREATE TABLE mail_events (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    protocol TEXT NOT NULL,
    sender TEXT NOT NULL,
    recipient TEXT NOT NULL,
    account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
    size INTEGER,
    reason TEXT,
    remote_address TEXT
  );
  CREATE INDEX mail_events_by_at ON mail_events (at);
  CREATE INDEX mail_events_by_account ON mail_events (account_id, at);

  CREATE TABLE web_sessions (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    purpose TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX web_sessions_by_account ON web_sessions (account_id);

  CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  `,
  `
  -- The outgoing queue (RFC 5321 4.5.4): one row per accepted message, one per recipient with its own
  -- state and retry time. A queued message holds its blob like a message row does (maintenance.ts).
  -- AUTOINCREMENT: a queue id is never reused, so logs and DSNs name one message only.
  CREATE TABLE queue_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    blob_id TEXT NOT NULL,
    size INTEGER NOT NULL,
    sender TEXT NOT NULL,
    ret TEXT,
    envid TEXT,
    created_at INTEGER NOT NULL,
    warned_at INTEGER
  );
  CREATE INDEX queue_messages_by_blob ON queue_messages (blob_id);
  CREATE TABLE queue_recipients (
    message_id INTEGER NOT NULL REFERENCES queue_messages(id) ON DELETE CASCADE,
    address TEXT NOT NULL,
    domain TEXT NOT NULL,
    notify TEXT,
    orcpt TEXT,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    last_attempt INTEGER,
    last_reply TEXT,
    PRIMARY KEY (message_id, address)
  );
  -- Due work by one range scan; only recipients still waiting are in it.
  CREATE INDEX queue_due ON queue_recipients (next_attempt, message_id) WHERE state = 'queued';
  `,
  addSentZone,
  mailboxObjectId,
  createSearchIndex,
  scramKeys,
  createSortTable,
  `
  -- Small message bodies, stored in the transaction of their message (inline-blobs.ts); id is the
  -- SHA-256 hex like a blob file's name, so messages.blob_id refers to either kind.
  CREATE TABLE inline_blobs (
    id TEXT PRIMARY KEY,
    data BLOB NOT NULL
  );
  `,
  createFieldIndex,
  `
  -- A SORT or THREAD reads every message of a mailbox with its sort row (sort-table.ts). These covering
  -- indexes hold just what the scan and the date-only join read, so a first SORT after start loads a few
  -- MB of pages instead of the wide rows of both tables (~190 -> ~100 ms for SORT (DATE) at 100,000).
  CREATE INDEX messages_sort_scan ON messages (mailbox_id, uid, internal_date, size, meta_id);
  CREATE INDEX message_sort_dates ON message_sort (meta_id, sent_date);
  `,
];

/** SCRAM-SHA-256 stored keys beside the scrypt hash (server/auth/scram.ts); NULL until derived. */
function scramKeys(db: Database.Database): void {
  db.exec('ALTER TABLE accounts ADD COLUMN scram_sha256 TEXT');
}

/** RFC 8474 MAILBOXID: see Mailbox.objectId. */
function mailboxObjectId(db: Database.Database): void {
  db.exec(`
  -- RFC 8474 MAILBOXID: the UIDVALIDITY the mailbox was created with (unique store-wide, from the
  -- counter), kept when a rename gives it a new UIDVALIDITY.
  ALTER TABLE mailboxes ADD COLUMN object_id INTEGER;
  UPDATE mailboxes SET object_id = uid_validity;
  `);
}

export const SCHEMA_VERSION = MIGRATIONS.length;
/** The version whose step added message_meta.sent_zone (its backfill is tested from the one before). */
export const SENT_ZONE_VERSION = MIGRATIONS.indexOf(addSentZone) + 1;
/** The version whose step added mailboxes.object_id. */
export const MAILBOX_OBJECT_ID_VERSION = MIGRATIONS.indexOf(mailboxObjectId) + 1;
/** The version whose step added accounts.scram_sha256. */
export const SCRAM_KEYS_VERSION = MIGRATIONS.indexOf(scramKeys) + 1;

/** The version whose step added the header field index message_fields (filled from existing text). */
export const FIELD_INDEX_VERSION = MIGRATIONS.indexOf(createFieldIndex) + 1;
/** The version whose step added the full-text index message_search (filled from existing text). */
export const SEARCH_INDEX_VERSION = MIGRATIONS.indexOf(createSearchIndex) + 1;

/** The version whose step added message_sort (filled from existing header text). */
export const SORT_TABLE_VERSION = MIGRATIONS.indexOf(createSortTable) + 1;

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`Database schema version ${current} is newer than this Postyard (${SCHEMA_VERSION})`);
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    db.transaction(() => {
      const step = MIGRATIONS[version]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
    }).immediate();
  }
}
