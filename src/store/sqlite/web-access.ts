/** Web sessions and API tokens (store/activity.ts) in SQLite: hashes only, never the secrets. */
import type Database from 'better-sqlite3';
import { ExistsError, NotFoundError } from '../../lib/errors.js';
import type { ApiToken, WebSession, WebSessionPurpose } from '../activity.js';

interface SessionRow {
  token_hash: string;
  account_id: number;
  purpose: WebSessionPurpose;
  csrf_token: string;
  created_at: number;
  expires_at: number;
}

interface TokenRow {
  id: number;
  account_id: number;
  name: string;
  created_at: number;
}

export class WebAccessRepo {
  private readonly insertSessionStmt: Database.Statement;
  private readonly sessionStmt: Database.Statement<[string, number], SessionRow>;
  private readonly deleteSessionStmt: Database.Statement;
  private readonly deleteSessionsStmt: Database.Statement;
  private readonly accountStmt: Database.Statement<[number], number>;
  private readonly insertTokenStmt: Database.Statement;
  private readonly tokenByHashStmt: Database.Statement<[string], TokenRow>;
  private readonly tokenByIdStmt: Database.Statement<[number], TokenRow>;
  private readonly allTokensStmt: Database.Statement<[], TokenRow>;
  private readonly accountTokensStmt: Database.Statement<[number], TokenRow>;
  private readonly deleteTokenStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.insertSessionStmt = db.prepare(
      `INSERT INTO web_sessions (token_hash, account_id, purpose, csrf_token, created_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.sessionStmt = db.prepare('SELECT * FROM web_sessions WHERE token_hash = ? AND expires_at > ?');
    this.deleteSessionStmt = db.prepare('DELETE FROM web_sessions WHERE token_hash = ?');
    this.deleteSessionsStmt = db.prepare('DELETE FROM web_sessions WHERE account_id = ? AND token_hash != ?');
    this.accountStmt = db.prepare<[number], number>('SELECT 1 FROM accounts WHERE id = ?').pluck();
    this.insertTokenStmt = db.prepare(
      'INSERT INTO api_tokens (account_id, name, token_hash, created_at) VALUES (?, ?, ?, ?)',
    );
    const columns = 'id, account_id, name, created_at';
    this.tokenByHashStmt = db.prepare(`SELECT ${columns} FROM api_tokens WHERE token_hash = ?`);
    this.tokenByIdStmt = db.prepare(`SELECT ${columns} FROM api_tokens WHERE id = ?`);
    this.allTokensStmt = db.prepare(`SELECT ${columns} FROM api_tokens ORDER BY id`);
    this.accountTokensStmt = db.prepare(`SELECT ${columns} FROM api_tokens WHERE account_id = ? ORDER BY id`);
    this.deleteTokenStmt = db.prepare('DELETE FROM api_tokens WHERE id = ?');
  }

  createSession(s: WebSession): void {
    this.requireAccount(s.accountId);
    this.insertSessionStmt.run(
      s.tokenHash,
      s.accountId,
      s.purpose,
      s.csrfToken,
      s.createdAt.getTime(),
      s.expiresAt.getTime(),
    );
  }

  session(tokenHash: string, now: Date): WebSession | null {
    const row = this.sessionStmt.get(tokenHash, now.getTime());
    if (!row) return null;
    return {
      tokenHash: row.token_hash,
      accountId: row.account_id,
      purpose: row.purpose,
      csrfToken: row.csrf_token,
      createdAt: new Date(row.created_at),
      expiresAt: new Date(row.expires_at),
    };
  }

  deleteSession(tokenHash: string): void {
    this.deleteSessionStmt.run(tokenHash);
  }

  deleteSessions(accountId: number, keep = ''): number {
    return this.deleteSessionsStmt.run(accountId, keep).changes;
  }

  createToken(accountId: number, name: string, tokenHash: string, now: number): ApiToken {
    this.requireAccount(accountId);
    if (this.tokenByHashStmt.get(tokenHash)) throw new ExistsError('API token already exists');
    const id = Number(this.insertTokenStmt.run(accountId, name, tokenHash, now).lastInsertRowid);
    return toToken(this.tokenByIdStmt.get(id)!);
  }

  findToken(tokenHash: string): ApiToken | null {
    const row = this.tokenByHashStmt.get(tokenHash);
    return row ? toToken(row) : null;
  }

  listTokens(accountId?: number): ApiToken[] {
    const rows = accountId === undefined ? this.allTokensStmt.all() : this.accountTokensStmt.all(accountId);
    return rows.map(toToken);
  }

  deleteToken(id: number): void {
    if (this.deleteTokenStmt.run(id).changes === 0) throw new NotFoundError(`API token ${id} not found`);
  }

  private requireAccount(accountId: number): void {
    if (this.accountStmt.get(accountId) === undefined) {
      throw new NotFoundError(`Account ${accountId} not found`);
    }
  }
}

function toToken(row: TokenRow): ApiToken {
  return { id: row.id, accountId: row.account_id, name: row.name, createdAt: new Date(row.created_at) };
}
