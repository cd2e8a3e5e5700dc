/**
 * Message mutations, each inside the caller's transaction. Every one first locks the mailbox row(s)
 * (FOR UPDATE, in id order so two nodes never deadlock), so writes to one mailbox from any node are
 * serialised: UIDs and MODSEQs are handed out and committed in order, and a STORE never loses a
 * concurrent one. Quota rows are locked after mailbox rows, always in that order.
 */
import { BadInputError, NotFoundError, TempError } from '../../lib/errors.js';
import { applyFlagOperation, DELETED_BIT, decodeFlags, encodeFlags, sameFlags } from '../sqlite/flags.js';
import { normalizeMailboxName } from '../sqlite/mailboxes.js';
import type { NewMessage } from '../sqlite/message-writes.js';
import type {
  AppendResult,
  CopyResult,
  MessageFlagsRecord,
  StoreClock,
  StoreFlagsRequest,
  StoreFlagsResult,
} from '../store.js';
import { assertWithinQuota, charge, mustGetAccountById, release } from './accounts.js';
import {
  type AppendTarget,
  type AppendValues,
  appendStatement,
  insertMessageAfterMetaRace,
} from './append-statement.js';
import type { PostgresBlobs } from './blob-backend.js';
import { rows, type Sql } from './db.js';
import { allocateUids, bumpModseq, mailboxRow, mustGetMailboxByName, type Touch } from './mailboxes.js';
import { messageRows } from './messages.js';
import { type MailboxRow, MESSAGE_COLUMNS, type MessageRow } from './rows.js';

/**
 * Garbage collection against deliveries on every node: a writer that checks a blob's presence holds this
 * advisory lock shared until commit; the collector takes it exclusively to move blobs away, so whichever
 * commits second sees what the first did (maintenance.ts).
 */
export const BLOB_LOCK = 0x626c6f62;

export async function holdBlobs(sql: Sql): Promise<void> {
  await sql.query('SELECT pg_advisory_xact_lock_shared($1)', [BLOB_LOCK]);
}

export class MessageWriter {
  constructor(
    private readonly blobs: PostgresBlobs,
    private readonly clock: StoreClock,
  ) {}

  async append(sql: Sql, message: NewMessage, touch: Touch): Promise<AppendResult> {
    return this.insert(sql, { mailboxId: message.mailboxId, accountId: message.accountId }, message, touch);
  }

  /** A delivery: the recipient's mailbox by name, looked up by the same statement that locks it. */
  async deliver(
    sql: Sql,
    message: Omit<NewMessage, 'mailboxId'>,
    mailboxName: string,
    touch: Touch,
  ): Promise<AppendResult> {
    const target = { accountId: message.accountId, mailboxName: normalizeMailboxName(mailboxName) };
    return this.insert(sql, target, message, touch);
  }

  /** One statement (append-statement.ts), then the checks that roll it back: blob presence, quota. */
  private async insert(
    sql: Sql,
    target: AppendTarget,
    message: Omit<NewMessage, 'mailboxId'>,
    touch: Touch,
  ): Promise<AppendResult> {
    validateNewMessage(message);
    const flags = encodeFlags(message.flags);
    const now = this.clock.now();
    const values: AppendValues = {
      blob: message.blob,
      meta: message.meta,
      flagBits: flags.bits,
      keywords: flags.keywords,
      internalDate: message.internalDate?.getTime() ?? now,
      saveDate: now,
    };
    const appended = await appendStatement(sql, target, values, BLOB_LOCK);
    if (!appended) throw await missingTarget(sql, target);
    // The statement took BLOB_LOCK shared: the collector cannot move the blob away before COMMIT. A
    // staged blob is written here, in this transaction (after the statement, in the lock order above).
    if (!(await this.blobs.ensurePresent(sql, message.blob))) {
      throw new TempError(`Blob ${message.blob.id} was removed before the message was committed`);
    }
    if (appended.bytes === null || appended.messages === null) {
      throw new NotFoundError(`Account ${appended.account_id} not found`);
    }
    assertWithinQuota({
      bytes: appended.bytes,
      messages: appended.messages,
      limitBytes: appended.limit_bytes,
      limitMessages: appended.limit_messages,
    });
    if (appended.meta_id === null) await insertMessageAfterMetaRace(sql, appended, values);
    touch(appended.account_id, appended.mailbox_id, appended.modseq);
    return {
      mailboxId: appended.mailbox_id,
      uidValidity: appended.uid_validity,
      uid: appended.uid,
      modseq: appended.modseq,
    };
  }

  async storeFlags(sql: Sql, request: StoreFlagsRequest, touch: Touch): Promise<StoreFlagsResult> {
    const mailbox = await mailboxRow(sql, request.mailboxId, true);
    const change = encodeFlags(request.flags);
    const changed: MessageFlagsRecord[] = [];
    const modified: number[] = [];
    let modseq = 0;
    const updates: Array<{ uid: number; bits: number; keywords: string }> = [];
    for (const r of await messageRows(sql, mailbox.id, request.uids)) {
      if (request.unchangedSince !== undefined && r.modseq > request.unchangedSince) {
        modified.push(r.uid);
        continue;
      }
      const current = { bits: r.flags, keywords: r.keywords };
      const next = applyFlagOperation(current, request.operation, change);
      if (sameFlags(current, next)) continue;
      updates.push({ uid: r.uid, ...next });
    }
    if (updates.length > 0) {
      modseq = await bumpModseq(sql, mailbox.id);
      // One statement for the whole set.
      await sql.query(
        `UPDATE messages AS m SET flags = u.bits, keywords = u.keywords, modseq = $2
         FROM unnest($3::bigint[], $4::int[], $5::text[]) AS u(uid, bits, keywords)
         WHERE m.mailbox_id = $1 AND m.uid = u.uid`,
        [
          mailbox.id,
          modseq,
          updates.map((u) => u.uid),
          updates.map((u) => u.bits),
          updates.map((u) => u.keywords),
        ],
      );
      for (const u of updates) changed.push({ uid: u.uid, modseq, flags: decodeFlags(u.bits, u.keywords) });
      touch(mailbox.account_id, mailbox.id, modseq);
    }
    return { changed, modified };
  }

  async expunge(
    sql: Sql,
    mailboxId: number,
    options: { uids?: readonly number[]; force?: boolean },
    touch: Touch,
  ): Promise<number[]> {
    const mailbox = await mailboxRow(sql, mailboxId, true);
    const list =
      options.uids === undefined
        ? await rows<MessageRow>(
            sql,
            `SELECT ${MESSAGE_COLUMNS} FROM messages AS m
             WHERE m.mailbox_id = $1 AND (m.flags & ${DELETED_BIT}) <> 0 ORDER BY m.uid`,
            [mailbox.id],
          )
        : (await messageRows(sql, mailbox.id, options.uids)).filter(
            (r) => options.force || r.flags & DELETED_BIT,
          );
    await this.removeRows(sql, mailbox, list, touch);
    return list.map((r) => r.uid);
  }

  /** RFC 8508 REPLACE: removal first (its space is freed for the quota check), then the append. */
  async replace(
    sql: Sql,
    message: NewMessage,
    replaced: { mailboxId: number; uid: number },
    touch: Touch,
  ): Promise<AppendResult> {
    const source = await mailboxRow(sql, replaced.mailboxId, true);
    if (source.account_id !== message.accountId) {
      throw new NotFoundError(
        `Mailbox ${replaced.mailboxId} does not belong to account ${message.accountId}`,
      );
    }
    const list = await messageRows(sql, source.id, [replaced.uid]);
    if (list.length === 0) throw new NotFoundError(`Message UID ${replaced.uid} no longer exists`);
    await this.removeRows(sql, source, list, touch);
    return this.append(sql, message, touch);
  }

  /** Copies messages (quota-checked); with `move`, removes them from the source in the same transaction. */
  async copy(
    sql: Sql,
    sourceId: number,
    uids: readonly number[],
    destId: number,
    move: boolean,
    touch: Touch,
  ): Promise<CopyResult> {
    const [first, second] = sourceId <= destId ? [sourceId, destId] : [destId, sourceId];
    const locked = new Map<number, MailboxRow>();
    locked.set(first, await mailboxRow(sql, first, true));
    if (second !== first) locked.set(second, await mailboxRow(sql, second, true));
    const source = locked.get(sourceId)!;
    const dest = locked.get(destId)!;
    const list = await messageRows(sql, source.id, uids);
    const result: CopyResult = { uidValidity: dest.uid_validity, sourceUids: [], destUids: [] };
    if (list.length === 0) return result;

    const bytes = list.reduce((sum, r) => sum + r.size, 0);
    // A move inside one account does not change its usage, so it must not fail on quota.
    const sameAccount = source.account_id === dest.account_id;
    if (!move || !sameAccount) await charge(sql, dest.account_id, bytes, list.length);
    const { firstUid, modseq } = await allocateUids(sql, dest.id, list.length);
    // SAVEDATE (RFC 8514) is the time of the copy: retention counts from when it arrived here.
    const now = this.clock.now();
    const newUids = list.map((_, i) => firstUid + i);
    await sql.query(
      `INSERT INTO messages (mailbox_id, uid, modseq, flags, keywords, internal_date, save_date, size, blob_id, meta_id)
       SELECT $1, n.uid, $2, m.flags, m.keywords, m.internal_date, $3, m.size, m.blob_id, m.meta_id
       FROM unnest($4::bigint[], $5::bigint[]) AS n(src, uid) JOIN messages AS m ON m.mailbox_id = $6 AND m.uid = n.src`,
      [dest.id, modseq, now, list.map((r) => r.uid), newUids, source.id],
    );
    result.sourceUids = list.map((r) => r.uid);
    result.destUids = newUids;
    touch(dest.account_id, dest.id, modseq);
    if (move) await this.removeRows(sql, source, list, touch, sameAccount);
    return result;
  }

  async setPopHidden(sql: Sql, mailboxId: number, uids: readonly number[]): Promise<void> {
    const mailbox = await mailboxRow(sql, mailboxId, true);
    await sql.query(
      'UPDATE messages SET pop_hidden = true WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])',
      [mailbox.id, [...uids].filter((uid) => Number.isInteger(uid) && uid > 0)],
    );
  }

  /** IMAP4rev1 \Recent: the caller gets UIDs from first-recent on, and first-recent moves past them. */
  async claimRecent(sql: Sql, mailboxId: number): Promise<number[]> {
    const mailbox = await mailboxRow(sql, mailboxId, true);
    if (mailbox.first_recent_uid >= mailbox.uid_next) return [];
    const list = await rows<{ uid: number }>(
      sql,
      'SELECT uid FROM messages WHERE mailbox_id = $1 AND uid >= $2 ORDER BY uid',
      [mailbox.id, mailbox.first_recent_uid],
    );
    await sql.query('UPDATE mailboxes SET first_recent_uid = $1 WHERE id = $2', [
      mailbox.uid_next,
      mailbox.id,
    ]);
    return list.map((r) => r.uid);
  }

  /** Deletes rows, logs them for QRESYNC and returns their space (unless a move keeps it charged). */
  private async removeRows(
    sql: Sql,
    mailbox: MailboxRow,
    list: MessageRow[],
    touch: Touch,
    keepCharged = false,
  ): Promise<void> {
    if (list.length === 0) return;
    const modseq = await bumpModseq(sql, mailbox.id);
    const uids = list.map((r) => r.uid);
    await sql.query('DELETE FROM messages WHERE mailbox_id = $1 AND uid = ANY($2::bigint[])', [
      mailbox.id,
      uids,
    ]);
    await sql.query(
      `INSERT INTO expunged (mailbox_id, uid, modseq) SELECT $1, u, $2 FROM unnest($3::bigint[]) AS u
       ON CONFLICT (mailbox_id, uid) DO UPDATE SET modseq = excluded.modseq`,
      [mailbox.id, modseq, uids],
    );
    const bytes = list.reduce((sum, r) => sum + r.size, 0);
    if (!keepCharged) await release(sql, mailbox.account_id, bytes, list.length);
    touch(mailbox.account_id, mailbox.id, modseq);
  }
}

const BLOB_ID = /^[0-9a-f]{64}$/;

function validateNewMessage(message: Omit<NewMessage, 'mailboxId'>): void {
  if (!BLOB_ID.test(message.blob.id) || !Number.isSafeInteger(message.blob.size) || message.blob.size < 0) {
    throw new BadInputError('Invalid blob reference');
  }
  if (message.internalDate !== undefined && Number.isNaN(message.internalDate.getTime())) {
    throw new BadInputError('Invalid INTERNALDATE');
  }
}

/** Why the append statement found no mailbox, as the step-by-step lookups would have said it. */
async function missingTarget(sql: Sql, target: AppendTarget): Promise<Error> {
  if ('mailboxId' in target) {
    const mailbox = await mailboxRow(sql, target.mailboxId);
    return new NotFoundError(`Mailbox ${mailbox.id} does not belong to account ${target.accountId}`);
  }
  await mustGetAccountById(sql, target.accountId);
  await mustGetMailboxByName(sql, target.accountId, target.mailboxName);
  return new NotFoundError(`Mailbox ${target.mailboxName} not found`, { public: true });
}
