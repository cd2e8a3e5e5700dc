/** Structural mailbox changes: create, delete, rename (with children and the INBOX special case). */
import type Database from 'better-sqlite3';
import { BadInputError, ExistsError, NotAllowedError } from '../../lib/errors.js';
import { HIERARCHY_DELIMITER, type Mailbox, type SpecialUse } from '../store.js';
import type { AccountRepo } from './accounts.js';
import type { WriteContext } from './committer.js';
import { type MailboxRepo, normalizeMailboxName } from './mailboxes.js';

/** Prefix for names during the two-phase rename; control characters are not allowed in real names. */
const RENAME_TEMP_PREFIX = '\u0001renaming-';

export class MailboxWriter {
  private readonly usageStmt: Database.Statement<[number], { bytes: number; messages: number }>;
  private readonly childrenStmt: Database.Statement<
    [number, string, string, string],
    { id: number; name: string }
  >;
  private readonly moveMessagesStmt: Database.Statement;
  private readonly logAllExpungedStmt: Database.Statement;
  private readonly adoptCountersStmt: Database.Statement;
  private readonly setNameStmt: Database.Statement;
  private readonly renameSubscriptionStmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly accounts: AccountRepo,
    private readonly mailboxes: MailboxRepo,
  ) {
    this.usageStmt = db.prepare(
      'SELECT coalesce(sum(size), 0) AS bytes, count(*) AS messages FROM messages WHERE mailbox_id = ?',
    );
    // substr() instead of LIKE: names may contain % and _.
    this.childrenStmt = db.prepare(
      'SELECT id, name FROM mailboxes WHERE account_id = ? AND (name = ? OR substr(name, 1, length(?)) = ?)',
    );
    this.moveMessagesStmt = db.prepare('UPDATE messages SET mailbox_id = ? WHERE mailbox_id = ?');
    this.logAllExpungedStmt = db.prepare(
      'INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) SELECT mailbox_id, uid, ? FROM messages WHERE mailbox_id = ?',
    );
    this.adoptCountersStmt = db.prepare('UPDATE mailboxes SET uid_next = ?, highest_modseq = ? WHERE id = ?');
    this.setNameStmt = db.prepare('UPDATE mailboxes SET name = ? WHERE id = ?');
    this.renameSubscriptionStmt = db.prepare(
      'UPDATE OR IGNORE subscriptions SET name = ? WHERE account_id = ? AND name = ?',
    );
  }

  create(accountId: number, name: string, specialUse: SpecialUse | null, ctx: WriteContext): Mailbox {
    this.accounts.mustGetById(accountId);
    const mailbox = this.mailboxes.insert(accountId, name, specialUse);
    ctx.touch(accountId, mailbox.id, mailbox.highestModseq, true);
    return mailbox;
  }

  /** Deletes one mailbox and its messages (children stay, IMAP semantics); returns their quota. */
  delete(accountId: number, name: string, ctx: WriteContext): void {
    const mailbox = this.mailboxes.mustGetByName(accountId, name);
    if (mailbox.name === 'INBOX') throw new NotAllowedError('INBOX cannot be deleted');
    const usage = this.usageStmt.get(mailbox.id)!;
    this.accounts.release(accountId, usage.bytes, usage.messages);
    this.mailboxes.remove(mailbox.id);
    ctx.touch(accountId, mailbox.id, mailbox.highestModseq + 1, true);
  }

  rename(accountId: number, oldName: string, newName: string, ctx: WriteContext): void {
    const from = normalizeMailboxName(oldName);
    const to = normalizeMailboxName(newName);
    const source = this.mailboxes.mustGetByName(accountId, from);
    if (from === to) throw new ExistsError(`Mailbox ${to} already exists`, { public: true });
    // INBOX's children stay where they are, so INBOX may even be renamed to one of its own children.
    if (from === 'INBOX') {
      this.renameInbox(source, to, ctx);
      return;
    }

    if (to.startsWith(`${from}${HIERARCHY_DELIMITER}`)) {
      throw new BadInputError('A mailbox cannot be renamed into its own hierarchy', { public: true });
    }
    const family = this.childrenStmt.all(
      accountId,
      from,
      `${from}${HIERARCHY_DELIMITER}`,
      `${from}${HIERARCHY_DELIMITER}`,
    );
    const targets = family.map((m) => ({
      id: m.id,
      oldName: m.name,
      newName: to + m.name.slice(from.length),
    }));
    const renamedIds = new Set(family.map((m) => m.id));
    for (const target of targets) {
      const existing = this.mailboxes.byName(accountId, target.newName);
      if (existing && !renamedIds.has(existing.id)) {
        throw new ExistsError(`Mailbox ${target.newName} already exists`, { public: true });
      }
    }
    // Two phases, so a target name that is also a source name never collides mid-way.
    for (const target of targets) this.setNameStmt.run(`${RENAME_TEMP_PREFIX}${target.id}`, target.id);
    for (const target of targets) {
      this.mailboxes.rename(target.id, target.newName);
      this.renameSubscriptionStmt.run(target.newName, accountId, target.oldName);
      const renamed = this.mailboxes.byId(target.id)!;
      ctx.touch(accountId, renamed.id, renamed.highestModseq, true);
    }
  }

  /** RFC 9051 6.3.9: INBOX's messages move to a new mailbox and INBOX stays, empty. Children do not move. */
  private renameInbox(inbox: Mailbox, to: string, ctx: WriteContext): void {
    const target = this.mailboxes.insert(inbox.accountId, to, null);
    const modseq = this.mailboxes.bumpModseq(inbox.id);
    this.logAllExpungedStmt.run(modseq, inbox.id);
    this.moveMessagesStmt.run(target.id, inbox.id);
    this.adoptCountersStmt.run(inbox.uidNext, modseq, target.id);
    ctx.touch(inbox.accountId, inbox.id, modseq);
    ctx.touch(inbox.accountId, target.id, modseq, true);
  }
}
