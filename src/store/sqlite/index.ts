/** The embedded default backend: SQLite metadata (better-sqlite3) plus content-addressed blob files. */
export { openSqliteStore, SqliteStore } from './sqlite-store.js';
