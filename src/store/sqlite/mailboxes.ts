/** Mailbox rows: names, UIDVALIDITY allocation, UIDNEXT/HIGHESTMODSEQ counters, subscriptions. */
import type Database from 'better-sqlite3';
import { BadInputError, ExistsError, NotFoundError } from '../../lib/errors.js';
import { HIERARCHY_DELIMITER, type Mailbox, type SpecialUse } from '../store.js';
import { type MailboxRow, toMailbox } from './rows.js';

const MAILBOX_COLUMNS = `b.id, b.account_id, b.name, b.special_use, b.uid_validity, b.uid_next, b.highest_modseq,
  b.first_recent_uid, b.object_id,
  EXISTS (SELECT 1 FROM subscriptions s WHERE s.account_id = b.account_id AND s.name = b.name) AS subscribed`;

export class MailboxRepo {
  private readonly byIdStmt: Database.Statement<[number], MailboxRow>;
  private readonly byNameStmt: Database.Statement<[number, string], MailboxRow>;
  private readonly listStmt: Database.Statement<[number], MailboxRow>;
  private readonly insertStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly renameStmt: Database.Statement;
  private readonly bumpStmt: Database.Statement<[number], { highest_modseq: number }>;
  private readonly allocateUidsStmt: Database.Statement<
    [number, number],
    { uid_next: number; highest_modseq: number }
  >;
  private readonly setFirstRecentStmt: Database.Statement;
  private readonly subscribeStmt: Database.Statement;
  private readonly unsubscribeStmt: Database.Statement;
  private readonly subscriptionsStmt: Database.Statement<[number], string>;
  private readonly counterStmt: Database.Statement<[string], { value: number }>;
  private readonly setCounterStmt: Database.Statement;

  constructor(db: Database.Database) {
    this.byIdStmt = db.prepare(`SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.id = ?`);
    this.byNameStmt = db.prepare(
      `SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.account_id = ? AND b.name = ?`,
    );
    this.listStmt = db.prepare(
      `SELECT ${MAILBOX_COLUMNS} FROM mailboxes b WHERE b.account_id = ? ORDER BY b.name`,
    );
    this.insertStmt = db.prepare(
      'INSERT INTO mailboxes (account_id, name, special_use, uid_validity, object_id) VALUES (?, ?, ?, ?, ?)',
    );
    this.deleteStmt = db.prepare('DELETE FROM mailboxes WHERE id = ?');
    this.renameStmt = db.prepare(
      'UPDATE mailboxes SET name = ?, uid_validity = ?, highest_modseq = highest_modseq + 1 WHERE id = ?',
    );
    this.bumpStmt = db.prepare(
      'UPDATE mailboxes SET highest_modseq = highest_modseq + 1 WHERE id = ? RETURNING highest_modseq',
    );
    this.allocateUidsStmt = db.prepare(
      `UPDATE mailboxes SET uid_next = uid_next + ?, highest_modseq = highest_modseq + 1 WHERE id = ?
       RETURNING uid_next, highest_modseq`,
    );
    this.setFirstRecentStmt = db.prepare('UPDATE mailboxes SET first_recent_uid = ? WHERE id = ?');
    this.subscribeStmt = db.prepare('INSERT OR IGNORE INTO subscriptions (account_id, name) VALUES (?, ?)');
    this.unsubscribeStmt = db.prepare('DELETE FROM subscriptions WHERE account_id = ? AND name = ?');
    this.subscriptionsStmt = db
      .prepare<[number], string>('SELECT name FROM subscriptions WHERE account_id = ? ORDER BY name')
      .pluck();
    this.counterStmt = db.prepare('SELECT value FROM counters WHERE name = ?');
    this.setCounterStmt = db.prepare(
      'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    );
  }

  byId(id: number): Mailbox | null {
    const row = this.byIdStmt.get(id);
    return row ? toMailbox(row) : null;
  }

  row(id: number): MailboxRow {
    const row = this.byIdStmt.get(id);
    if (!row) throw new NotFoundError(`Mailbox ${id} not found`);
    return row;
  }

  byName(accountId: number, name: string): Mailbox | null {
    const row = this.byNameStmt.get(accountId, normalizeMailboxName(name));
    return row ? toMailbox(row) : null;
  }

  mustGetByName(accountId: number, name: string): Mailbox {
    const mailbox = this.byName(accountId, name);
    if (!mailbox) throw new NotFoundError(`Mailbox ${name} not found`, { public: true });
    return mailbox;
  }

  list(accountId: number): Mailbox[] {
    return this.listStmt.all(accountId).map(toMailbox);
  }

  insert(accountId: number, name: string, specialUse: SpecialUse | null): Mailbox {
    const normalized = normalizeMailboxName(name);
    validateMailboxName(normalized);
    if (this.byNameStmt.get(accountId, normalized)) {
      throw new ExistsError(`Mailbox ${normalized} already exists`, { public: true });
    }
    const validity = this.nextUidValidity();
    const info = this.insertStmt.run(accountId, normalized, specialUse, validity, validity);
    return this.byId(Number(info.lastInsertRowid))!;
  }

  remove(id: number): void {
    this.deleteStmt.run(id);
  }

  /** Renames one row; it gets a fresh UIDVALIDITY so a name never sees a value twice. */
  rename(id: number, newName: string): void {
    this.renameStmt.run(newName, this.nextUidValidity(), id);
  }

  /** Bumps HIGHESTMODSEQ and returns the new value (the modseq of this mutation). */
  bumpModseq(id: number): number {
    const row = this.bumpStmt.get(id);
    if (!row) throw new NotFoundError(`Mailbox ${id} not found`);
    return row.highest_modseq;
  }

  /** Reserves `count` UIDs and one new modseq; returns the first UID. */
  allocateUids(id: number, count: number): { firstUid: number; modseq: number } {
    const row = this.allocateUidsStmt.get(count, id);
    if (!row) throw new NotFoundError(`Mailbox ${id} not found`);
    return { firstUid: row.uid_next - count, modseq: row.highest_modseq };
  }

  setFirstRecent(id: number, uid: number): void {
    this.setFirstRecentStmt.run(uid, id);
  }

  setSubscribed(accountId: number, name: string, subscribed: boolean): void {
    const normalized = normalizeMailboxName(name);
    if (subscribed) this.subscribeStmt.run(accountId, normalized);
    else this.unsubscribeStmt.run(accountId, normalized);
  }

  subscriptions(accountId: number): string[] {
    return this.subscriptionsStmt.all(accountId);
  }

  /** Strictly increasing across the whole store (and roughly the creation time in seconds). */
  private nextUidValidity(): number {
    const last = this.counterStmt.get('uidvalidity')?.value ?? 0;
    const next = Math.max(Math.floor(Date.now() / 1000), last + 1);
    this.setCounterStmt.run('uidvalidity', next);
    return next;
  }
}

/** "INBOX" is case-insensitive (RFC 9051 5.1), also as the first level of a hierarchy. */
export function normalizeMailboxName(name: string): string {
  const upper = name.slice(0, 6).toUpperCase();
  if (upper === 'INBOX') return 'INBOX';
  if (upper === `INBOX${HIERARCHY_DELIMITER}`) return `INBOX${name.slice(5)}`;
  return name;
}

export function validateMailboxName(name: string): void {
  if (name.length === 0) throw new BadInputError('Mailbox name must not be empty');
  if (name.startsWith(HIERARCHY_DELIMITER) || name.endsWith(HIERARCHY_DELIMITER) || name.includes('//')) {
    throw new BadInputError('Invalid mailbox name', { public: true });
  }
  if (hasControlCharacter(name)) throw new BadInputError('Mailbox name contains control characters');
}

function hasControlCharacter(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
