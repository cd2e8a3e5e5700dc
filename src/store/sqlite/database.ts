/** Opens the SQLite file with the pragmas durability depends on, and brings the schema up to date. */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './schema.js';

export const DATABASE_FILE = 'postyard.sqlite';

/** What a one-shot command waits for a write lock another process holds (inside SQLite, blocking). */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * `busyTimeoutMs`: how long a statement waits inside SQLite for a lock another process holds. A server
 * worker keeps it to a few ms (its group committer retries from the event loop instead, committer.ts).
 */
export function openDatabase(dataDir: string, busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, DATABASE_FILE);
  keepPrivate(file);
  const db = new Database(file);
  try {
    // WAL: readers never block the writer; FULL: the WAL is fsynced at every commit, so an
    // acknowledged message survives kill -9 and power loss.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Other processes (CLI, cluster workers) may hold the write lock briefly.
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    db.pragma('cache_size = -65536');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * Mail metadata is private: the database is created owner-only (SQLite gives its -wal and -shm files the
 * same mode), and one an older version created with the umask's 0644 is tightened.
 */
function keepPrivate(file: string): void {
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      const mode = statSync(path).mode & 0o777;
      if (mode & 0o077) chmodSync(path, mode & 0o700);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      if (path === file) closeSync(openSync(file, 'a', 0o600));
    }
  }
}
