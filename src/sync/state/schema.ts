/**
 * The sync state file: one SQLite database per state directory, every account in it. WAL, and
 * synchronous=NORMAL: a commit survives a crash of this process (what "no duplicate, no loss" needs,
 * since the mail itself is fsynced before the state that refers to it); an OS crash may lose the last
 * commits, which the pending-delivery records (pop_messages.stored_at NULL, messages.uid NULL) and
 * the re-match by Message-ID make harmless. messages.synced = 0 marks a download in flight (the file may
 * not exist yet: never read as "deleted locally"); uid NULL marks an upload in flight.
 */
import Database from 'better-sqlite3';

export const STATE_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE accounts (
  name TEXT PRIMARY KEY,
  config TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_run_at INTEGER,
  last_result TEXT,
  server TEXT
);
CREATE TABLE pop_messages (
  account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
  uidl TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  base TEXT NOT NULL,
  stored_at INTEGER,
  PRIMARY KEY (account, uidl)
) WITHOUT ROWID;
CREATE TABLE folders (
  account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
  name TEXT NOT NULL,
  uidvalidity INTEGER NOT NULL,
  highest_modseq TEXT,
  uidnext INTEGER NOT NULL DEFAULT 0,
  local_stamp TEXT,
  PRIMARY KEY (account, name)
) WITHOUT ROWID;
CREATE TABLE messages (
  account TEXT NOT NULL,
  folder TEXT NOT NULL,
  base TEXT NOT NULL,
  uid INTEGER,
  flags TEXT NOT NULL,
  keywords TEXT NOT NULL,
  modseq TEXT,
  size INTEGER NOT NULL,
  message_id TEXT,
  synced INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (account, folder, base),
  FOREIGN KEY (account, folder) REFERENCES folders(account, name) ON DELETE CASCADE ON UPDATE CASCADE
) WITHOUT ROWID;
CREATE INDEX messages_uid ON messages (account, folder, uid);
CREATE TABLE pending (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  account TEXT NOT NULL REFERENCES accounts(name) ON DELETE CASCADE,
  folder TEXT NOT NULL,
  kind TEXT NOT NULL,
  detail TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
`;

export function openStateDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > STATE_SCHEMA_VERSION) {
      throw new Error(`${file} was written by a newer postyard (state schema ${version})`);
    }
    if (version < STATE_SCHEMA_VERSION) {
      db.transaction(() => {
        db.exec(SCHEMA);
        db.pragma(`user_version = ${STATE_SCHEMA_VERSION}`);
      })();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
