/** Account rows and their quota usage counters. */
import type Database from 'better-sqlite3';
import { BadInputError, ExistsError, NotFoundError, OverQuotaError } from '../../lib/errors.js';
import { POP_DELETE_POLICIES } from '../../lib/pop-delete-policy.js';
import type { Account, AccountSettings, PasswordRecord, QuotaUsage } from '../store.js';
import { type AccountRow, toAccount } from './rows.js';

const POP_POLICIES = new Set<string>(POP_DELETE_POLICIES);

export class AccountRepo {
  private readonly byLoginStmt: Database.Statement<[string], AccountRow>;
  private readonly byIdStmt: Database.Statement<[number], AccountRow>;
  private readonly listStmt: Database.Statement<[], AccountRow>;
  private readonly domainStmt: Database.Statement<[string], number>;
  private readonly insertStmt: Database.Statement;
  private readonly insertUsageStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly hashStmt: Database.Statement<
    [string],
    { password_hash: string; scram_sha256: string | null }
  >;
  private readonly setScramStmt: Database.Statement;
  private readonly setHashStmt: Database.Statement;
  private readonly updateStmt: Database.Statement;
  private readonly chargeStmt: Database.Statement;
  private readonly usageWithLimitsStmt: Database.Statement<[number], QuotaUsage>;

  constructor(db: Database.Database) {
    const columns =
      'id, login, quota_bytes, quota_messages, retention_days, pop_delete_policy, pop_mark_seen, admin, created_at';
    this.byLoginStmt = db.prepare(`SELECT ${columns} FROM accounts WHERE login = ?`);
    this.byIdStmt = db.prepare(`SELECT ${columns} FROM accounts WHERE id = ?`);
    this.listStmt = db.prepare(`SELECT ${columns} FROM accounts ORDER BY login`);
    // A scan of the (small) accounts table; logins are stored lower-cased.
    this.domainStmt = db
      .prepare<[string], number>(
        "SELECT 1 FROM accounts WHERE substr(login, instr(login, '@') + 1) = ? AND instr(login, '@') > 0 LIMIT 1",
      )
      .pluck();
    this.insertStmt = db.prepare(
      `INSERT INTO accounts (login, password_hash, quota_bytes, quota_messages, retention_days, pop_delete_policy,
         pop_mark_seen, admin, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertUsageStmt = db.prepare('INSERT INTO quota_usage (account_id) VALUES (?)');
    this.deleteStmt = db.prepare('DELETE FROM accounts WHERE id = ?');
    this.hashStmt = db.prepare('SELECT password_hash, scram_sha256 FROM accounts WHERE login = ?');
    // A new password replaces the SCRAM keys too (NULL: derived at the next password login).
    this.setHashStmt = db.prepare('UPDATE accounts SET password_hash = ?, scram_sha256 = ? WHERE login = ?');
    // Only while the password is still the one the keys were derived from (a change may have raced).
    this.setScramStmt = db.prepare(
      'UPDATE accounts SET scram_sha256 = ? WHERE login = ? AND password_hash = ?',
    );
    this.updateStmt = db.prepare(
      `UPDATE accounts SET quota_bytes = ?, quota_messages = ?, retention_days = ?, pop_delete_policy = ?,
         pop_mark_seen = ?, admin = ? WHERE id = ?`,
    );
    this.usageWithLimitsStmt = db.prepare(
      `SELECT u.bytes, u.messages, a.quota_bytes AS limitBytes, a.quota_messages AS limitMessages
       FROM quota_usage AS u JOIN accounts AS a ON a.id = u.account_id WHERE u.account_id = ?`,
    );
    this.chargeStmt = db.prepare(
      'UPDATE quota_usage SET bytes = bytes + ?, messages = messages + ? WHERE account_id = ?',
    );
  }

  byLogin(login: string): Account | null {
    const row = this.byLoginStmt.get(normalizeLogin(login));
    return row ? toAccount(row) : null;
  }

  byId(id: number): Account | null {
    const row = this.byIdStmt.get(id);
    return row ? toAccount(row) : null;
  }

  mustGetById(id: number): Account {
    const account = this.byId(id);
    if (!account) throw new NotFoundError(`Account ${id} not found`);
    return account;
  }

  mustGetByLogin(login: string): Account {
    const account = this.byLogin(login);
    if (!account) throw new NotFoundError(`Account ${login} not found`);
    return account;
  }

  list(): Account[] {
    return this.listStmt.all().map(toAccount);
  }

  hasDomain(domain: string): boolean {
    return this.domainStmt.get(domain.toLowerCase()) !== undefined;
  }

  /** Inserts the account row and its usage counter (mailboxes are the caller's job). */
  insert(login: string, passwordHash: string, settings: AccountSettings, now: number): Account {
    const name = normalizeLogin(login);
    if (name.length === 0) throw new BadInputError('Login must not be empty');
    if (this.byLoginStmt.get(name)) throw new ExistsError(`Account ${name} already exists`);
    validateSettings(settings);
    const info = this.insertStmt.run(
      name,
      passwordHash,
      settings.quotaBytes ?? null,
      settings.quotaMessages ?? null,
      settings.retentionDays ?? null,
      settings.popDeletePolicy ?? null,
      toFlag(settings.popMarkSeen),
      settings.admin ? 1 : 0,
      now,
    );
    const id = Number(info.lastInsertRowid);
    this.insertUsageStmt.run(id);
    return this.mustGetById(id);
  }

  remove(login: string): void {
    this.deleteStmt.run(this.mustGetByLogin(login).id);
  }

  passwordHash(login: string): PasswordRecord | null {
    const account = this.byLogin(login);
    if (!account) return null;
    const row = this.hashStmt.get(account.login)!;
    return { account, passwordHash: row.password_hash, scramSha256: row.scram_sha256 };
  }

  setPasswordHash(login: string, passwordHash: string, scramSha256: string | null): void {
    this.setHashStmt.run(passwordHash, scramSha256, this.mustGetByLogin(login).login);
  }

  setScramSha256(login: string, passwordHash: string, scramSha256: string): boolean {
    return this.setScramStmt.run(scramSha256, normalizeLogin(login), passwordHash).changes > 0;
  }

  update(login: string, settings: AccountSettings): Account {
    const account = this.mustGetByLogin(login);
    validateSettings(settings);
    const pick = <K extends keyof AccountSettings>(key: K, current: Account[K]) =>
      settings[key] === undefined ? current : settings[key];
    this.updateStmt.run(
      pick('quotaBytes', account.quotaBytes),
      pick('quotaMessages', account.quotaMessages),
      pick('retentionDays', account.retentionDays),
      pick('popDeletePolicy', account.popDeletePolicy),
      toFlag(pick('popMarkSeen', account.popMarkSeen)),
      pick('admin', account.admin) ? 1 : 0,
      account.id,
    );
    return this.mustGetById(account.id);
  }

  usage(accountId: number): QuotaUsage {
    const usage = this.usageWithLimitsStmt.get(accountId);
    if (!usage) throw new NotFoundError(`Account ${accountId} not found`);
    return usage;
  }

  /** Checks that `bytes`/`messages` more fit the quota and charges them (call inside the write). */
  charge(accountId: number, bytes: number, messages: number): void {
    if (bytes > 0 || messages > 0) {
      const usage = this.usage(accountId);
      if (usage.limitBytes !== null && usage.bytes + bytes > usage.limitBytes) {
        throw new OverQuotaError('Mailbox storage quota exceeded');
      }
      if (usage.limitMessages !== null && usage.messages + messages > usage.limitMessages) {
        throw new OverQuotaError('Mailbox message count quota exceeded');
      }
    }
    this.chargeStmt.run(bytes, messages, accountId);
  }

  /** Returns space (negative charge, never checked). */
  release(accountId: number, bytes: number, messages: number): void {
    this.chargeStmt.run(-bytes, -messages, accountId);
  }
}

function toFlag(value: boolean | null | undefined): number | null {
  return value === undefined || value === null ? null : value ? 1 : 0;
}

export function normalizeLogin(login: string): string {
  return login.trim().toLowerCase();
}

export function validateSettings(settings: AccountSettings): void {
  for (const key of ['quotaBytes', 'quotaMessages', 'retentionDays'] as const) {
    const value = settings[key];
    if (value !== undefined && value !== null && (!Number.isSafeInteger(value) || value < 0)) {
      throw new BadInputError(`${key} must be a non-negative integer or null`);
    }
  }
  const markSeen = settings.popMarkSeen;
  if (markSeen !== undefined && markSeen !== null && typeof markSeen !== 'boolean') {
    throw new BadInputError('popMarkSeen must be true, false or null');
  }
  const policy = settings.popDeletePolicy;
  if (policy !== undefined && policy !== null && !POP_POLICIES.has(policy)) {
    throw new BadInputError('popDeletePolicy must be "expunge", "hide" or null');
  }
  if (settings.admin !== undefined && typeof settings.admin !== 'boolean') {
    throw new BadInputError('admin must be true or false');
  }
}
