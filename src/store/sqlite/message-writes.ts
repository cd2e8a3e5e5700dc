/**
 * Message mutations. Each runs inside a write job of the group committer (so inside a transaction) and
 * bumps the mailbox's HIGHESTMODSEQ once; the new value is the MODSEQ of every message it touched.
 */
import type Database from 'better-sqlite3';
import { BadInputError, NotFoundError, TempError } from '../../lib/errors.js';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import { META_COLUMNS, metaColumnValues } from '../meta-columns.js';
import type {
  AppendResult,
  BlobRef,
  CopyResult,
  MessageFlagsRecord,
  StoreClock,
  StoreFlagsRequest,
  StoreFlagsResult,
} from '../store.js';
import type { AccountRepo } from './accounts.js';
import type { WriteContext } from './committer.js';
import { applyFlagOperation, DELETED_BIT, decodeFlags, encodeFlags, sameFlags } from './flags.js';
import type { MailboxRepo } from './mailboxes.js';
import type { MessageReader } from './messages.js';
import type { MailboxRow, MessageRow } from './rows.js';
import type { SearchIndex } from './search-index.js';
import type { SortTable } from './sort-table.js';

export interface NewMessage {
  accountId: number;
  mailboxId: number;
  blob: BlobRef;
  meta: IngestMeta;
  flags?: readonly string[];
  internalDate?: Date;
}

/** What the writer needs of the blob store: whether a blob's file is there, checked inside the transaction. */
export interface BlobPresence {
  isPresentSync(id: string): boolean;
}

/**
 * What the SQLite writers need of the blob store, inside the transaction: a staged blob stored with the
 * row, or a stored one confirmed present (SqliteBlobStore.ensurePresentSync).
 */
export interface BlobKeeper {
  ensurePresentSync(ref: BlobRef): boolean;
}

export class MessageWriter {
  private readonly metaIdStmt: Database.Statement<[string], number>;
  private readonly insertMetaStmt: Database.Statement;
  private readonly insertTextStmt: Database.Statement;
  private readonly insertStmt: Database.Statement;
  private readonly updateFlagsStmt: Database.Statement;
  private readonly deleteStmt: Database.Statement;
  private readonly logExpungeStmt: Database.Statement;
  private readonly deletedRowsStmt: Database.Statement<[number], MessageRow>;
  private readonly popHiddenStmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly accounts: AccountRepo,
    private readonly mailboxes: MailboxRepo,
    private readonly reader: MessageReader,
    private readonly blobs: BlobKeeper,
    private readonly clock: StoreClock,
    private readonly searchIndex: SearchIndex,
    private readonly sortTable: SortTable,
  ) {
    this.metaIdStmt = db.prepare<[string], number>('SELECT id FROM message_meta WHERE blob_id = ?').pluck();
    this.insertMetaStmt = db.prepare(
      `INSERT INTO message_meta (blob_id, ${META_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.insertTextStmt = db.prepare(
      'INSERT INTO message_text (meta_id, header_text, body_text) VALUES (?, ?, ?)',
    );
    this.insertStmt = db.prepare(
      `INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id,
         meta_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.updateFlagsStmt = db.prepare(
      'UPDATE messages SET flags = ?, keywords = ?, modseq = ? WHERE mailbox_id = ? AND uid = ?',
    );
    this.deleteStmt = db.prepare('DELETE FROM messages WHERE mailbox_id = ? AND uid = ?');
    this.logExpungeStmt = db.prepare(
      'INSERT OR REPLACE INTO expunged (mailbox_id, uid, modseq) VALUES (?, ?, ?)',
    );
    this.deletedRowsStmt = db.prepare(
      `SELECT m.uid, m.modseq, m.flags, m.keywords, m.internal_date, m.save_date, m.size, m.blob_id, m.meta_id,
         m.pop_hidden
       FROM messages AS m WHERE m.mailbox_id = ? AND (m.flags & ${DELETED_BIT}) != 0 ORDER BY m.uid`,
    );
    this.popHiddenStmt = db.prepare('UPDATE messages SET pop_hidden = 1 WHERE mailbox_id = ? AND uid = ?');
  }

  /** Adds one message: quota checked and charged here, in the same transaction. */
  append(message: NewMessage, ctx: WriteContext): AppendResult {
    const mailbox = this.mailboxes.row(message.mailboxId);
    if (mailbox.account_id !== message.accountId) {
      throw new NotFoundError(`Mailbox ${message.mailboxId} does not belong to account ${message.accountId}`);
    }
    validateNewMessage(message);
    // Garbage collection moves unreferenced blobs away inside a write transaction too (maintenance.ts),
    // so checking here, under the same lock, means a committed message always has its body. A delivery
    // that deduplicated against a blob collection then removed fails temporarily and is retried.
    if (!this.blobs.ensurePresentSync(message.blob)) {
      throw new TempError(`Blob ${message.blob.id} was removed before the message was committed`);
    }
    this.accounts.charge(message.accountId, message.blob.size, 1);
    const { firstUid: uid, modseq } = this.mailboxes.allocateUids(mailbox.id, 1);
    const metaId = this.saveMeta(message.blob.id, message.meta);
    const flags = encodeFlags(message.flags);
    const now = this.clock.now();
    this.insertStmt.run(
      mailbox.id,
      uid,
      modseq,
      flags.bits,
      flags.keywords,
      message.internalDate?.getTime() ?? now,
      now,
      message.blob.size,
      message.blob.id,
      metaId,
    );
    ctx.touch(mailbox.account_id, mailbox.id, modseq);
    return { mailboxId: mailbox.id, uidValidity: mailbox.uid_validity, uid, modseq };
  }

  /** RFC 8508 REPLACE: removal first (its space is freed for the quota check), then the append. */
  replace(
    message: NewMessage,
    replaced: { mailboxId: number; uid: number },
    ctx: WriteContext,
  ): AppendResult {
    const source = this.mailboxes.row(replaced.mailboxId);
    if (source.account_id !== message.accountId) {
      throw new NotFoundError(
        `Mailbox ${replaced.mailboxId} does not belong to account ${message.accountId}`,
      );
    }
    const rows = this.reader.rows(source.id, [replaced.uid]);
    if (rows.length === 0) throw new NotFoundError(`Message UID ${replaced.uid} no longer exists`);
    this.removeRows(source, rows, ctx);
    return this.append(message, ctx);
  }

  storeFlags(request: StoreFlagsRequest, ctx: WriteContext): StoreFlagsResult {
    const mailbox = this.mailboxes.row(request.mailboxId);
    const change = encodeFlags(request.flags);
    const changed: MessageFlagsRecord[] = [];
    const modified: number[] = [];
    let modseq = 0;
    for (const row of this.reader.rows(mailbox.id, request.uids)) {
      if (request.unchangedSince !== undefined && row.modseq > request.unchangedSince) {
        modified.push(row.uid);
        continue;
      }
      const current = { bits: row.flags, keywords: row.keywords };
      const next = applyFlagOperation(current, request.operation, change);
      if (sameFlags(current, next)) continue;
      if (modseq === 0) modseq = this.mailboxes.bumpModseq(mailbox.id);
      this.updateFlagsStmt.run(next.bits, next.keywords, modseq, mailbox.id, row.uid);
      changed.push({ uid: row.uid, modseq, flags: decodeFlags(next.bits, next.keywords) });
    }
    if (modseq !== 0) ctx.touch(mailbox.account_id, mailbox.id, modseq);
    return { changed, modified };
  }

  expunge(
    mailboxId: number,
    options: { uids?: readonly number[]; force?: boolean },
    ctx: WriteContext,
  ): number[] {
    const mailbox = this.mailboxes.row(mailboxId);
    const rows =
      options.uids === undefined
        ? this.deletedRowsStmt.all(mailbox.id)
        : this.reader
            .rows(mailbox.id, options.uids)
            .filter((row) => options.force || row.flags & DELETED_BIT);
    this.removeRows(mailbox, rows, ctx);
    return rows.map((row) => row.uid);
  }

  /** Copies messages (quota-checked); with `move`, removes them from the source in the same transaction. */
  copy(
    sourceId: number,
    uids: readonly number[],
    destId: number,
    move: boolean,
    ctx: WriteContext,
  ): CopyResult {
    const source = this.mailboxes.row(sourceId);
    const dest = this.mailboxes.row(destId);
    const rows = this.reader.rows(source.id, uids);
    const result: CopyResult = { uidValidity: dest.uid_validity, sourceUids: [], destUids: [] };
    if (rows.length === 0) return result;

    const bytes = rows.reduce((sum, row) => sum + row.size, 0);
    // A move inside one account does not change its usage, so it must not fail on quota.
    const sameAccount = source.account_id === dest.account_id;
    if (!move || !sameAccount) this.accounts.charge(dest.account_id, bytes, rows.length);
    const { firstUid, modseq } = this.mailboxes.allocateUids(dest.id, rows.length);
    // SAVEDATE (RFC 8514) is the time of the copy: retention counts from when it arrived here.
    const now = this.clock.now();
    rows.forEach((row, i) => {
      const uid = firstUid + i;
      this.insertStmt.run(
        dest.id,
        uid,
        modseq,
        row.flags,
        row.keywords,
        row.internal_date,
        now,
        row.size,
        row.blob_id,
        row.meta_id,
      );
      result.sourceUids.push(row.uid);
      result.destUids.push(uid);
    });
    ctx.touch(dest.account_id, dest.id, modseq);
    if (move) this.removeRows(source, rows, ctx, sameAccount);
    return result;
  }

  setPopHidden(mailboxId: number, uids: readonly number[]): void {
    const mailbox = this.mailboxes.row(mailboxId);
    for (const row of this.reader.rows(mailbox.id, uids)) this.popHiddenStmt.run(mailbox.id, row.uid);
  }

  /** IMAP4rev1 \Recent: the caller gets UIDs from first-recent on, and first-recent moves past them. */
  claimRecent(mailboxId: number): number[] {
    const mailbox = this.mailboxes.row(mailboxId);
    if (mailbox.first_recent_uid >= mailbox.uid_next) return [];
    const uids = this.reader.uidsFrom(mailbox.id, mailbox.first_recent_uid);
    this.mailboxes.setFirstRecent(mailbox.id, mailbox.uid_next);
    return uids;
  }

  /** Deletes rows, logs them for QRESYNC and returns their space (unless a move keeps it charged). */
  private removeRows(mailbox: MailboxRow, rows: MessageRow[], ctx: WriteContext, keepCharged = false): void {
    if (rows.length === 0) return;
    const modseq = this.mailboxes.bumpModseq(mailbox.id);
    let bytes = 0;
    for (const row of rows) {
      this.deleteStmt.run(mailbox.id, row.uid);
      this.logExpungeStmt.run(mailbox.id, row.uid, modseq);
      bytes += row.size;
    }
    if (!keepCharged) this.accounts.release(mailbox.account_id, bytes, rows.length);
    ctx.touch(mailbox.account_id, mailbox.id, modseq);
  }

  /** Metadata (and its search index row) is stored once per blob; a second delivery of the same bytes reuses it. */
  private saveMeta(blobId: string, meta: IngestMeta): number {
    const existing = this.metaIdStmt.get(blobId);
    if (existing !== undefined) return existing;
    const info = this.insertMetaStmt.run(blobId, ...metaColumnValues(meta));
    const id = Number(info.lastInsertRowid);
    this.insertTextStmt.run(id, meta.headerText, meta.bodyText);
    this.searchIndex.add(id, meta);
    this.sortTable.add(id, meta);
    return id;
  }
}

const BLOB_ID = /^[0-9a-f]{64}$/;

function validateNewMessage(message: NewMessage): void {
  if (!BLOB_ID.test(message.blob.id) || !Number.isSafeInteger(message.blob.size) || message.blob.size < 0) {
    throw new BadInputError('Invalid blob reference');
  }
  if (message.internalDate !== undefined && Number.isNaN(message.internalDate.getTime())) {
    throw new BadInputError('Invalid INTERNALDATE');
  }
}
