/** Device logins, usage over time, mail events, web sessions and API tokens (store/activity.ts). */
import { ExistsError, NotFoundError } from '../../lib/errors.js';
import type {
  ActivityBatch,
  ApiToken,
  DeviceUsage,
  StoredMailEvent,
  UsageSample,
  WebSession,
  WebSessionPurpose,
} from '../activity.js';
import { row, rows, type Sql } from './db.js';

const DAY_MS = 86_400_000;

function dayNumber(at: Date): number {
  return Math.floor(at.getTime() / DAY_MS);
}

export async function recordActivity(sql: Sql, batch: ActivityBatch): Promise<void> {
  for (const login of batch.logins ?? []) {
    // Logins of deleted accounts are dropped: the account id no longer exists.
    await sql.query(
      `INSERT INTO login_history (account_id, protocol, device, first_seen, last_seen, logins)
       SELECT $1, $2, $3, $4, $4, 1 WHERE EXISTS (SELECT 1 FROM accounts WHERE id = $1)
       ON CONFLICT (account_id, protocol, device)
       DO UPDATE SET last_seen = greatest(login_history.last_seen, excluded.last_seen),
         logins = login_history.logins + 1`,
      [login.accountId, login.protocol, login.device, login.at.getTime()],
    );
  }
  for (const e of batch.mailEvents ?? []) {
    await sql.query(
      `INSERT INTO mail_events (at, outcome, protocol, sender, recipient, account_id, size, reason, remote_address)
       VALUES ($1, $2, $3, $4, $5, (SELECT id FROM accounts WHERE id = $6), $7, $8, $9)`,
      [
        e.at.getTime(),
        e.outcome,
        e.protocol,
        e.sender,
        e.recipient,
        e.accountId,
        e.size,
        e.reason,
        e.remoteAddress,
      ],
    );
  }
}

export async function loginHistory(sql: Sql, accountId: number, since: Date): Promise<DeviceUsage[]> {
  const list = await rows<{
    protocol: string;
    device: string;
    first_seen: number;
    last_seen: number;
    logins: number;
  }>(
    sql,
    `SELECT protocol, device, first_seen, last_seen, logins FROM login_history
     WHERE account_id = $1 AND last_seen >= $2 ORDER BY last_seen DESC`,
    [accountId, since.getTime()],
  );
  return list.map((r) => ({
    protocol: r.protocol,
    device: r.device,
    firstSeen: new Date(r.first_seen),
    lastSeen: new Date(r.last_seen),
    logins: r.logins,
  }));
}

export async function recentMailEvents(
  sql: Sql,
  options: { limit: number; accountId?: number; since?: Date },
): Promise<StoredMailEvent[]> {
  const where: string[] = [];
  const params: number[] = [];
  if (options.accountId !== undefined) {
    params.push(options.accountId);
    where.push(`account_id = $${params.length}`);
  }
  if (options.since) {
    params.push(options.since.getTime());
    where.push(`at >= $${params.length}`);
  }
  params.push(Math.max(0, options.limit));
  const list = await rows<{
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
  }>(
    sql,
    `SELECT * FROM mail_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return list.map((r) => ({
    id: r.id,
    at: new Date(r.at),
    outcome: r.outcome,
    protocol: r.protocol,
    sender: r.sender,
    recipient: r.recipient,
    accountId: r.account_id,
    size: r.size,
    reason: r.reason,
    remoteAddress: r.remote_address,
  }));
}

export async function recordUsageSamples(sql: Sql, at: Date): Promise<number> {
  const result = await sql.query(
    `INSERT INTO usage_history (account_id, day, bytes, messages)
     SELECT account_id, $1, bytes, messages FROM quota_usage
     ON CONFLICT (account_id, day) DO UPDATE SET bytes = excluded.bytes, messages = excluded.messages`,
    [dayNumber(at)],
  );
  return result.rowCount ?? 0;
}

export async function usageHistory(sql: Sql, accountId: number, since: Date): Promise<UsageSample[]> {
  const list = await rows<{ day: number; bytes: number; messages: number }>(
    sql,
    'SELECT day, bytes, messages FROM usage_history WHERE account_id = $1 AND day >= $2 ORDER BY day',
    [accountId, dayNumber(since)],
  );
  return list.map((r) => ({
    day: new Date(r.day * DAY_MS).toISOString().slice(0, 10),
    bytes: r.bytes,
    messages: r.messages,
  }));
}

export async function pruneActivity(
  sql: Sql,
  limits: { before: Date; usageBefore: Date; now: Date },
): Promise<number> {
  const before = limits.before.getTime();
  let removed = 0;
  removed += (await sql.query('DELETE FROM mail_events WHERE at < $1', [before])).rowCount ?? 0;
  removed += (await sql.query('DELETE FROM login_history WHERE last_seen < $1', [before])).rowCount ?? 0;
  removed +=
    (await sql.query('DELETE FROM usage_history WHERE day < $1', [dayNumber(limits.usageBefore)])).rowCount ??
    0;
  removed +=
    (await sql.query('DELETE FROM web_sessions WHERE expires_at <= $1', [limits.now.getTime()])).rowCount ??
    0;
  return removed;
}

// Web sessions and API tokens ----------------------------------------------------------------

async function requireAccount(sql: Sql, accountId: number): Promise<void> {
  if (!(await row(sql, 'SELECT 1 FROM accounts WHERE id = $1', [accountId]))) {
    throw new NotFoundError(`Account ${accountId} not found`);
  }
}

export async function createWebSession(sql: Sql, s: WebSession): Promise<void> {
  await requireAccount(sql, s.accountId);
  await sql.query(
    `INSERT INTO web_sessions (token_hash, account_id, purpose, csrf_token, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [s.tokenHash, s.accountId, s.purpose, s.csrfToken, s.createdAt.getTime(), s.expiresAt.getTime()],
  );
}

export async function getWebSession(sql: Sql, tokenHash: string, now: Date): Promise<WebSession | null> {
  const r = await row<{
    token_hash: string;
    account_id: number;
    purpose: WebSessionPurpose;
    csrf_token: string;
    created_at: number;
    expires_at: number;
  }>(sql, 'SELECT * FROM web_sessions WHERE token_hash = $1 AND expires_at > $2', [tokenHash, now.getTime()]);
  if (!r) return null;
  return {
    tokenHash: r.token_hash,
    accountId: r.account_id,
    purpose: r.purpose,
    csrfToken: r.csrf_token,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
  };
}

export async function deleteWebSession(sql: Sql, tokenHash: string): Promise<void> {
  await sql.query('DELETE FROM web_sessions WHERE token_hash = $1', [tokenHash]);
}

export async function deleteWebSessions(sql: Sql, accountId: number, keep = ''): Promise<number> {
  const result = await sql.query('DELETE FROM web_sessions WHERE account_id = $1 AND token_hash <> $2', [
    accountId,
    keep,
  ]);
  return result.rowCount ?? 0;
}

interface TokenRow {
  id: number;
  account_id: number;
  name: string;
  created_at: number;
}

const TOKEN_COLUMNS = 'id, account_id, name, created_at';

function toToken(r: TokenRow): ApiToken {
  return { id: r.id, accountId: r.account_id, name: r.name, createdAt: new Date(r.created_at) };
}

export async function createApiToken(
  sql: Sql,
  accountId: number,
  name: string,
  tokenHash: string,
  now: number,
): Promise<ApiToken> {
  await requireAccount(sql, accountId);
  const r = await row<TokenRow>(
    sql,
    `INSERT INTO api_tokens (account_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (token_hash) DO NOTHING RETURNING ${TOKEN_COLUMNS}`,
    [accountId, name, tokenHash, now],
  );
  if (!r) throw new ExistsError('API token already exists');
  return toToken(r);
}

export async function findApiToken(sql: Sql, tokenHash: string): Promise<ApiToken | null> {
  const r = await row<TokenRow>(sql, `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [
    tokenHash,
  ]);
  return r ? toToken(r) : null;
}

export async function listApiTokens(sql: Sql, accountId?: number): Promise<ApiToken[]> {
  const list =
    accountId === undefined
      ? await rows<TokenRow>(sql, `SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY id`)
      : await rows<TokenRow>(
          sql,
          `SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE account_id = $1 ORDER BY id`,
          [accountId],
        );
  return list.map(toToken);
}

export async function deleteApiToken(sql: Sql, id: number): Promise<void> {
  const result = await sql.query('DELETE FROM api_tokens WHERE id = $1', [id]);
  if (result.rowCount === 0) throw new NotFoundError(`API token ${id} not found`);
}
