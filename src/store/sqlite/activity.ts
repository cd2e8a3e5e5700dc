/** Device logins, usage over time and mail events (store/activity.ts) in SQLite. */
import type Database from 'better-sqlite3';
import type { ActivityBatch, DeviceUsage, StoredMailEvent, UsageSample } from '../activity.js';

const DAY_MS = 86_400_000;

interface DeviceRow {
  protocol: string;
  device: string;
  first_seen: number;
  last_seen: number;
  logins: number;
}

interface MailEventRow {
  id: number;
  at: number;
  outcome: 'delivered' | 'refused';
  protocol: string;
  sender: string;
  recipient: string;
  account_id: number | null;
  size: number | null;
  reason: string | null;
  remote_address: string | null;
}

export class ActivityRepo {
  private readonly loginStmt: Database.Statement;
  private readonly eventStmt: Database.Statement;
  private readonly historyStmt: Database.Statement<[number, number], DeviceRow>;
  private readonly sampleStmt: Database.Statement;
  private readonly usageStmt: Database.Statement<
    [number, number],
    { day: number; bytes: number; messages: number }
  >;
  private readonly pruneStmts: Database.Statement[];
  private readonly db: Database.Database;

  constructor(db: Database.Database) {
    this.db = db;
    // Logins of deleted accounts are dropped: the account id no longer exists.
    this.loginStmt = db.prepare(
      `INSERT INTO login_history (account_id, protocol, device, first_seen, last_seen, logins)
       SELECT @account, @protocol, @device, @at, @at, 1 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = @account)
       ON CONFLICT (account_id, protocol, device)
       DO UPDATE SET last_seen = max(last_seen, excluded.last_seen), logins = logins + 1`,
    );
    this.eventStmt = db.prepare(
      `INSERT INTO mail_events (at, outcome, protocol, sender, recipient, account_id, size, reason, remote_address)
       VALUES (?, ?, ?, ?, ?, (SELECT id FROM accounts WHERE id = ?), ?, ?, ?)`,
    );
    this.historyStmt = db.prepare(
      `SELECT protocol, device, first_seen, last_seen, logins FROM login_history
       WHERE account_id = ? AND last_seen >= ? ORDER BY last_seen DESC`,
    );
    this.sampleStmt = db.prepare(
      `INSERT INTO usage_history (account_id, day, bytes, messages)
       SELECT account_id, ?, bytes, messages FROM quota_usage WHERE true
       ON CONFLICT (account_id, day) DO UPDATE SET bytes = excluded.bytes, messages = excluded.messages`,
    );
    this.usageStmt = db.prepare(
      'SELECT day, bytes, messages FROM usage_history WHERE account_id = ? AND day >= ? ORDER BY day',
    );
    this.pruneStmts = [
      db.prepare('DELETE FROM mail_events WHERE at < @before'),
      db.prepare('DELETE FROM login_history WHERE last_seen < @before'),
      db.prepare('DELETE FROM usage_history WHERE day < @usageBefore'),
      db.prepare('DELETE FROM web_sessions WHERE expires_at <= @now'),
    ];
  }

  record(batch: ActivityBatch): void {
    for (const login of batch.logins ?? []) {
      const { accountId: account, protocol, device } = login;
      this.loginStmt.run({ account, protocol, device, at: login.at.getTime() });
    }
    for (const e of batch.mailEvents ?? []) {
      this.eventStmt.run(
        e.at.getTime(),
        e.outcome,
        e.protocol,
        e.sender,
        e.recipient,
        e.accountId,
        e.size,
        e.reason,
        e.remoteAddress,
      );
    }
  }

  loginHistory(accountId: number, since: Date): DeviceUsage[] {
    return this.historyStmt.all(accountId, since.getTime()).map((row) => ({
      protocol: row.protocol,
      device: row.device,
      firstSeen: new Date(row.first_seen),
      lastSeen: new Date(row.last_seen),
      logins: row.logins,
    }));
  }

  recentMailEvents(options: { limit: number; accountId?: number; since?: Date }): StoredMailEvent[] {
    const where: string[] = [];
    const params: number[] = [];
    if (options.accountId !== undefined) {
      where.push('account_id = ?');
      params.push(options.accountId);
    }
    if (options.since) {
      where.push('at >= ?');
      params.push(options.since.getTime());
    }
    const sql = `SELECT * FROM mail_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY at DESC, id DESC LIMIT ?`;
    const rows = this.db.prepare<number[], MailEventRow>(sql).all(...params, Math.max(0, options.limit));
    return rows.map((row) => ({
      id: row.id,
      at: new Date(row.at),
      outcome: row.outcome,
      protocol: row.protocol,
      sender: row.sender,
      recipient: row.recipient,
      accountId: row.account_id,
      size: row.size,
      reason: row.reason,
      remoteAddress: row.remote_address,
    }));
  }

  recordUsageSamples(at: Date): number {
    return this.sampleStmt.run(dayNumber(at)).changes;
  }

  usageHistory(accountId: number, since: Date): UsageSample[] {
    return this.usageStmt.all(accountId, dayNumber(since)).map((row) => ({
      day: new Date(row.day * DAY_MS).toISOString().slice(0, 10),
      bytes: row.bytes,
      messages: row.messages,
    }));
  }

  prune(limits: { before: Date; usageBefore: Date; now: Date }): number {
    const params = {
      before: limits.before.getTime(),
      usageBefore: dayNumber(limits.usageBefore),
      now: limits.now.getTime(),
    };
    return this.pruneStmts.reduce((sum, stmt) => sum + stmt.run(pick(stmt.source, params)).changes, 0);
  }
}

/** better-sqlite3 refuses named values a statement does not use. */
function pick(sql: string, params: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(params).filter(([name]) => sql.includes(`@${name}`)));
}

function dayNumber(at: Date): number {
  return Math.floor(at.getTime() / DAY_MS);
}
