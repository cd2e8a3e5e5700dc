/** Opens the SQLite file with the pragmas durability depends on, and brings the schema up to date. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from './schema.js';

export const DATABASE_FILE = 'postyard.sqlite';

export function openDatabase(dataDir: string): Database.Database {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, DATABASE_FILE));
  try {
    // WAL: readers never block the writer; FULL: the WAL is fsynced at every commit, so an
    // acknowledged message survives kill -9 and power loss.
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Other processes (CLI, cluster workers) may hold the write lock briefly.
    db.pragma('busy_timeout = 5000');
    db.pragma('cache_size = -65536');
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}
