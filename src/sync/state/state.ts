/**
 * The sync state of every account in one state directory: account settings, POP3 UIDLs with their
 * first-seen and stored times, IMAP folders (UIDVALIDITY, HIGHESTMODSEQ, UIDNEXT), the UID ↔ Maildir
 * map with the flags last agreed on both sides, and the pending local operations.
 * Statements are prepared once; every write is its own small transaction unless batched by the caller.
 */
import type Database from 'better-sqlite3';
import type { AccountConfig } from '../account.js';
import { ImapState } from './imap-state.js';
import { Pop3State } from './pop3-state.js';
import { openStateDatabase } from './schema.js';

export interface AccountRecord {
  config: AccountConfig;
  createdAt: number;
  lastRunAt: number | null;
  lastResult: string | null;
  /** What the server said about itself at the last run (capabilities, POP3 EXPIRE). */
  server: ServerInfo | null;
}

export interface ServerInfo {
  capabilities: string[];
  /** POP3 EXPIRE (RFC 2449 §6.7): days, "NEVER", or null when not announced. */
  expire?: string | null;
  /** IMAP hierarchy delimiter (local folder names are read with it before connecting). */
  delimiter?: string;
}

interface AccountRow {
  config: string;
  created_at: number;
  last_run_at: number | null;
  last_result: string | null;
  server: string | null;
}

export class SyncState {
  readonly pop3: Pop3State;
  readonly imap: ImapState;
  private readonly statements;

  private constructor(readonly db: Database.Database) {
    this.pop3 = new Pop3State(db);
    this.imap = new ImapState(db);
    this.statements = {
      insert: db.prepare('INSERT INTO accounts (name, config, created_at) VALUES (?, ?, ?)'),
      get: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?'),
      list: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name'),
      remove: db.prepare('DELETE FROM accounts WHERE name = ?'),
      run: db.prepare('UPDATE accounts SET last_run_at = ?, last_result = ? WHERE name = ?'),
      server: db.prepare('UPDATE accounts SET server = ? WHERE name = ?'),
    };
  }

  static open(file: string): SyncState {
    return new SyncState(openStateDatabase(file));
  }

  close(): void {
    this.db.close();
  }

  addAccount(config: AccountConfig, now = Date.now()): void {
    this.statements.insert.run(config.name, JSON.stringify(config), now);
  }

  getAccount(name: string): AccountRecord | null {
    const row = this.statements.get.get(name);
    return row ? toRecord(row) : null;
  }

  listAccounts(): AccountRecord[] {
    return this.statements.list.all().map(toRecord);
  }

  removeAccount(name: string): boolean {
    return this.statements.remove.run(name).changes > 0;
  }

  recordRun(name: string, result: string, now = Date.now()): void {
    this.statements.run.run(now, result, name);
  }

  recordServer(name: string, info: ServerInfo): void {
    this.statements.server.run(JSON.stringify(info), name);
  }

  /** Runs `fn` in one transaction (for batches of state writes). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }
}

function toRecord(row: AccountRow): AccountRecord {
  return {
    config: JSON.parse(row.config) as AccountConfig,
    createdAt: row.created_at,
    lastRunAt: row.last_run_at,
    lastResult: row.last_result,
    server: row.server ? (JSON.parse(row.server) as ServerInfo) : null,
  };
}
