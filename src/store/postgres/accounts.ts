/** Account rows and their quota usage counters. */
import { BadInputError, ExistsError, NotFoundError, OverQuotaError } from '../../lib/errors.js';
import { normalizeLogin, validateSettings } from '../sqlite/accounts.js';
import type { Account, AccountSettings, PasswordRecord, QuotaUsage } from '../store.js';
import { row, rows, type Sql } from './db.js';
import { ACCOUNT_COLUMNS, type AccountRow, toAccount } from './rows.js';

export async function accountByLogin(sql: Sql, login: string): Promise<Account | null> {
  const r = await row<AccountRow>(sql, `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE login = $1`, [
    normalizeLogin(login),
  ]);
  return r ? toAccount(r) : null;
}

export async function accountById(sql: Sql, id: number): Promise<Account | null> {
  const r = await row<AccountRow>(sql, `SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = $1`, [id]);
  return r ? toAccount(r) : null;
}

export async function mustGetAccountById(sql: Sql, id: number): Promise<Account> {
  const account = await accountById(sql, id);
  if (!account) throw new NotFoundError(`Account ${id} not found`);
  return account;
}

export async function mustGetAccountByLogin(sql: Sql, login: string): Promise<Account> {
  const account = await accountByLogin(sql, login);
  if (!account) throw new NotFoundError(`Account ${login} not found`);
  return account;
}

export async function listAccounts(sql: Sql): Promise<Account[]> {
  return (await rows<AccountRow>(sql, `SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY login`)).map(
    toAccount,
  );
}

export async function hasDomain(sql: Sql, domain: string): Promise<boolean> {
  const found = await row(
    sql,
    "SELECT 1 FROM accounts WHERE strpos(login, '@') > 0 AND substr(login, strpos(login, '@') + 1) = $1 LIMIT 1",
    [domain.toLowerCase()],
  );
  return found !== undefined;
}

/** Inserts the account row and its usage counter (mailboxes are the caller's job). */
export async function insertAccount(
  sql: Sql,
  login: string,
  passwordHash: string,
  settings: AccountSettings,
  now: number,
): Promise<Account> {
  const name = normalizeLogin(login);
  if (name.length === 0) throw new BadInputError('Login must not be empty');
  validateSettings(settings);
  // ON CONFLICT: two nodes creating the same login at once get one row and one EXISTS, not a 23505.
  const inserted = await row<AccountRow>(
    sql,
    `INSERT INTO accounts (login, password_hash, quota_bytes, quota_messages, retention_days, pop_delete_policy,
       pop_mark_seen, admin, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (login) DO NOTHING RETURNING ${ACCOUNT_COLUMNS}`,
    [
      name,
      passwordHash,
      settings.quotaBytes ?? null,
      settings.quotaMessages ?? null,
      settings.retentionDays ?? null,
      settings.popDeletePolicy ?? null,
      settings.popMarkSeen ?? null,
      settings.admin ?? false,
      now,
    ],
  );
  if (!inserted) throw new ExistsError(`Account ${name} already exists`);
  await sql.query('INSERT INTO quota_usage (account_id) VALUES ($1)', [inserted.id]);
  return toAccount(inserted);
}

export async function passwordHash(sql: Sql, login: string): Promise<PasswordRecord | null> {
  const r = await row<AccountRow & { password_hash: string; scram_sha256: string | null }>(
    sql,
    `SELECT ${ACCOUNT_COLUMNS}, password_hash, scram_sha256 FROM accounts WHERE login = $1`,
    [normalizeLogin(login)],
  );
  return r ? { account: toAccount(r), passwordHash: r.password_hash, scramSha256: r.scram_sha256 } : null;
}

/** A new password: its hash and SCRAM keys together (null: none until the next password login). */
export async function setPasswordHash(
  sql: Sql,
  login: string,
  hash: string,
  scramSha256: string | null,
): Promise<void> {
  const account = await mustGetAccountByLogin(sql, login);
  await sql.query('UPDATE accounts SET password_hash = $1, scram_sha256 = $2 WHERE id = $3', [
    hash,
    scramSha256,
    account.id,
  ]);
}

/** SCRAM keys derived at a password login; only while the password is still the one they came from. */
export async function setScramSha256(
  sql: Sql,
  login: string,
  hash: string,
  scramSha256: string,
): Promise<boolean> {
  const r = await sql.query('UPDATE accounts SET scram_sha256 = $1 WHERE login = $2 AND password_hash = $3', [
    scramSha256,
    normalizeLogin(login),
    hash,
  ]);
  return (r.rowCount ?? 0) > 0;
}

export async function updateAccount(sql: Sql, login: string, settings: AccountSettings): Promise<Account> {
  const account = await mustGetAccountByLogin(sql, login);
  validateSettings(settings);
  const pick = <K extends keyof AccountSettings>(key: K, current: Account[K]) =>
    settings[key] === undefined ? current : settings[key];
  const r = await row<AccountRow>(
    sql,
    `UPDATE accounts SET quota_bytes = $1, quota_messages = $2, retention_days = $3, pop_delete_policy = $4,
       pop_mark_seen = $5, admin = $6 WHERE id = $7 RETURNING ${ACCOUNT_COLUMNS}`,
    [
      pick('quotaBytes', account.quotaBytes),
      pick('quotaMessages', account.quotaMessages),
      pick('retentionDays', account.retentionDays),
      pick('popDeletePolicy', account.popDeletePolicy),
      pick('popMarkSeen', account.popMarkSeen) ?? null,
      Boolean(pick('admin', account.admin)),
      account.id,
    ],
  );
  return toAccount(r!);
}

export async function quotaUsage(sql: Sql, accountId: number): Promise<QuotaUsage> {
  const usage = await row<QuotaUsage>(
    sql,
    `SELECT u.bytes, u.messages, a.quota_bytes AS "limitBytes", a.quota_messages AS "limitMessages"
     FROM quota_usage AS u JOIN accounts AS a ON a.id = u.account_id WHERE u.account_id = $1`,
    [accountId],
  );
  if (!usage) throw new NotFoundError(`Account ${accountId} not found`);
  return usage;
}

/**
 * Checks that `bytes`/`messages` more fit the quota and charges them, inside the caller's transaction.
 * The UPDATE locks the usage row first, so concurrent deliveries on any node are charged one after the
 * other and each sees the others' charges: the check is exact, not a race between two reads.
 */
export async function charge(sql: Sql, accountId: number, bytes: number, messages: number): Promise<void> {
  const after = await row<QuotaUsage>(
    sql,
    `UPDATE quota_usage AS u SET bytes = u.bytes + $1, messages = u.messages + $2 FROM accounts AS a
     WHERE u.account_id = $3 AND a.id = u.account_id
     RETURNING u.bytes, u.messages, a.quota_bytes AS "limitBytes", a.quota_messages AS "limitMessages"`,
    [bytes, messages, accountId],
  );
  if (!after) throw new NotFoundError(`Account ${accountId} not found`);
  if (bytes > 0 || messages > 0) assertWithinQuota(after);
}

/** After a positive charge: OVER_QUOTA when over a limit (the transaction rolls back, undoing it). */
export function assertWithinQuota(after: QuotaUsage): void {
  if (after.limitBytes !== null && after.bytes > after.limitBytes) {
    throw new OverQuotaError('Mailbox storage quota exceeded');
  }
  if (after.limitMessages !== null && after.messages > after.limitMessages) {
    throw new OverQuotaError('Mailbox message count quota exceeded');
  }
}

/** Returns space (negative charge, never checked). */
export async function release(sql: Sql, accountId: number, bytes: number, messages: number): Promise<void> {
  await sql.query(
    'UPDATE quota_usage SET bytes = bytes - $1, messages = messages - $2 WHERE account_id = $3',
    [bytes, messages, accountId],
  );
}
