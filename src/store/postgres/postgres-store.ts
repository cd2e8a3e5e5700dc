/**
 * The PostgreSQL Store: several Postyard nodes on one database. Every write is one transaction
 * (db.ts), committed before it resolves; row locks on the mailbox and quota rows order concurrent
 * writers on any node (message-writes.ts, accounts.ts). Changes are published on the bus after commit;
 * with PostgresBus (bus/postgres.ts) they reach the other nodes by NOTIFY.
 * Blobs (options.blobs): in the database by default (database-blobs.ts), so nodes share nothing but the
 * database; or files under dataDir ("files"), which all nodes must then share.
 */
import type pg from 'pg';
import type { ChangeBus, MailboxChange } from '../../bus/bus.js';
import { TempError, toMailError } from '../../lib/errors.js';
import { RateLimitedErrors } from '../../lib/rate-limited-log.js';
import type {
  ActivityBatch,
  ApiToken,
  DeviceUsage,
  StoredMailEvent,
  UsageSample,
  WebSession,
} from '../activity.js';
import { FileBlobStore } from '../blobs.js';
import {
  type Account,
  type AccountSettings,
  type AppendRequest,
  type AppendResult,
  type AttemptOutcome,
  type ChangesSince,
  type CopyResult,
  DEFAULT_MAILBOXES,
  type DeliverOutcome,
  type DeliverRequest,
  type EnqueueRequest,
  type GarbageReport,
  type IntegrityReport,
  type Mailbox,
  type MailboxIndex,
  type MailboxStatus,
  type MessageRecord,
  type MessageWithMeta,
  type PasswordRecord,
  type PopMaildropSnapshot,
  type QueuedMessage,
  type QueueSummary,
  type QuotaUsage,
  type SearchTextWanted,
  type SelectStatus,
  type SortField,
  type SortRow,
  type SpecialUse,
  type Store,
  type StoreClock,
  type StoreFlagsRequest,
  type StoreFlagsResult,
  type StoreOptions,
} from '../store.js';
import * as accounts from './accounts.js';
import * as activity from './activity.js';
import { type PostgresBlobs, SharedFileBlobs } from './blob-backend.js';
import { DatabaseBlobStore } from './database-blobs.js';
import { openPool, type Sql, transaction } from './db.js';
import * as mailboxes from './mailboxes.js';
import { Maintenance } from './maintenance.js';
import { MessageWriter } from './message-writes.js';
import * as messages from './messages.js';
import { QueueRepo } from './queue.js';
import { toMailbox, toMessage } from './rows.js';
import { migrate } from './schema.js';
import { sortRows } from './sort-table.js';

export interface PostgresStoreOptions extends StoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Connections in this node's pool (default 10). */
  poolSize?: number;
  /** close() closes the bus too (a bus opened just for this store, e.g. by an admin command). */
  ownsBus?: boolean;
  /** Where message bodies go (config store.blobs); default "postgres". */
  blobs?: PostgresBlobStorage;
  /** With database blobs: the largest body written in the delivery's own transaction (stage()). */
  stageMaxBytes?: number;
}

/** "postgres": bodies in the database (no shared filesystem); "files": under dataDir, shared by all nodes. */
export type PostgresBlobStorage = 'postgres' | 'files';

function openBlobs(pool: pg.Pool, options: PostgresStoreOptions): PostgresBlobs {
  if (options.blobs === 'files') return new SharedFileBlobs(options.dataDir);
  return new DatabaseBlobStore(pool, new FileBlobStore(options.dataDir), options.stageMaxBytes);
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const pool = openPool(options.url, options.poolSize);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
    } finally {
      client.release();
    }
  } catch (err) {
    await pool.end().catch(() => {});
    throw err;
  }
  return new PostgresStore(
    pool,
    openBlobs(pool, options),
    options.bus,
    options.clock,
    new RateLimitedErrors(options.log),
    options.ownsBus ?? false,
  );
}

type Touch = mailboxes.Touch;

export class PostgresStore implements Store {
  private readonly writer: MessageWriter;
  private readonly queue: QueueRepo;
  private readonly maintenance: Maintenance;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    readonly blobs: PostgresBlobs,
    private readonly bus: ChangeBus | undefined,
    private readonly clock: StoreClock = Date,
    private readonly errors: RateLimitedErrors = new RateLimitedErrors(undefined),
    private readonly ownsBus = false,
  ) {
    this.writer = new MessageWriter(blobs, clock);
    this.queue = new QueueRepo(blobs);
    this.maintenance = new Maintenance(pool, blobs, (mailboxId, uids) =>
      this.write((sql, touch) => this.writer.expunge(sql, mailboxId, { uids, force: true }, touch)),
    );
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
    if (this.ownsBus) await this.bus?.close();
  }

  // Accounts --------------------------------------------------------------------------------

  createAccount(login: string, passwordHash: string, settings: AccountSettings = {}): Promise<Account> {
    return this.write(async (sql, touch) => {
      const account = await accounts.insertAccount(sql, login, passwordHash, settings, this.clock.now());
      for (const { name, specialUse } of DEFAULT_MAILBOXES) {
        await mailboxes.createMailbox(sql, account.id, name, specialUse, touch);
        await mailboxes.setSubscribed(sql, account.id, name, true);
      }
      return account;
    });
  }

  getAccount(login: string): Promise<Account | null> {
    return this.read((sql) => accounts.accountByLogin(sql, login));
  }

  getAccountById(id: number): Promise<Account | null> {
    return this.read((sql) => accounts.accountById(sql, id));
  }

  listAccounts(): Promise<Account[]> {
    return this.read((sql) => accounts.listAccounts(sql));
  }

  hasAccountInDomain(domain: string): Promise<boolean> {
    return this.read((sql) => accounts.hasDomain(sql, domain));
  }

  async deleteAccount(login: string): Promise<void> {
    await this.write(async (sql, touch) => {
      const account = await accounts.mustGetAccountByLogin(sql, login);
      for (const mailbox of await mailboxes.listMailboxes(sql, account.id)) {
        touch(account.id, mailbox.id, mailbox.highestModseq + 1, true);
      }
      await sql.query('DELETE FROM accounts WHERE id = $1', [account.id]);
    });
  }

  getPasswordHash(login: string): Promise<PasswordRecord | null> {
    return this.read((sql) => accounts.passwordHash(sql, login));
  }

  async setPasswordHash(
    login: string,
    passwordHash: string,
    scramSha256: string | null = null,
  ): Promise<void> {
    await this.write((sql) => accounts.setPasswordHash(sql, login, passwordHash, scramSha256));
  }

  setScramSha256(login: string, passwordHash: string, scramSha256: string): Promise<boolean> {
    return this.write((sql) => accounts.setScramSha256(sql, login, passwordHash, scramSha256));
  }

  updateAccount(login: string, settings: AccountSettings): Promise<Account> {
    return this.write((sql) => accounts.updateAccount(sql, login, settings));
  }

  getQuotaUsage(accountId: number): Promise<QuotaUsage> {
    return this.read((sql) => accounts.quotaUsage(sql, accountId));
  }

  // Mailboxes -------------------------------------------------------------------------------

  listMailboxes(accountId: number): Promise<Mailbox[]> {
    return this.read((sql) => mailboxes.listMailboxes(sql, accountId));
  }

  getMailbox(accountId: number, name: string): Promise<Mailbox | null> {
    return this.read((sql) => mailboxes.mailboxByName(sql, accountId, name));
  }

  getMailboxById(mailboxId: number): Promise<Mailbox | null> {
    return this.read((sql) => mailboxes.mailboxById(sql, mailboxId));
  }

  mailboxStatus(mailboxId: number): Promise<MailboxStatus> {
    return this.snapshot(async (sql) => {
      const r = await mailboxes.mailboxRow(sql, mailboxId);
      const counts = await messages.statusCounts(sql, mailboxId, r.first_recent_uid);
      return {
        ...toMailbox(r),
        messages: counts.messages,
        unseen: counts.unseen,
        deleted: counts.deleted,
        size: counts.size,
        deletedSize: counts.deleted_size,
        recent: counts.recent,
        firstUnseenUid: counts.first_unseen,
      };
    });
  }

  selectStatus(mailboxId: number): Promise<SelectStatus> {
    return this.snapshot(async (sql) => {
      const r = await mailboxes.mailboxRow(sql, mailboxId);
      return { ...toMailbox(r), ...(await messages.selectCounts(sql, mailboxId, r.first_recent_uid)) };
    });
  }

  mailboxKeywords(mailboxId: number, limit: number): Promise<string[]> {
    return this.snapshot(async (sql) => {
      await mailboxes.mailboxRow(sql, mailboxId); // NOT_FOUND for an unknown mailbox
      return messages.keywords(sql, mailboxId, limit);
    });
  }

  createMailbox(
    accountId: number,
    name: string,
    options?: { specialUse?: SpecialUse | null },
  ): Promise<Mailbox> {
    return this.write((sql, touch) =>
      mailboxes.createMailbox(sql, accountId, name, options?.specialUse ?? null, touch),
    );
  }

  async deleteMailbox(accountId: number, name: string): Promise<void> {
    await this.write((sql, touch) => mailboxes.deleteMailbox(sql, accountId, name, touch));
  }

  async renameMailbox(accountId: number, oldName: string, newName: string): Promise<void> {
    await this.write((sql, touch) => mailboxes.renameMailbox(sql, accountId, oldName, newName, touch));
  }

  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    await this.write(async (sql, touch) => {
      await accounts.mustGetAccountById(sql, accountId);
      await mailboxes.setSubscribed(sql, accountId, name, subscribed);
      // A structural change, so IMAP NOTIFY SubscriptionChange reaches the account's other sessions.
      const mailbox = await mailboxes.mailboxByName(sql, accountId, name);
      if (mailbox) touch(accountId, mailbox.id, mailbox.highestModseq, true);
    });
  }

  listSubscriptions(accountId: number): Promise<string[]> {
    return this.read((sql) => mailboxes.subscriptions(sql, accountId));
  }

  // Messages --------------------------------------------------------------------------------

  getIndex(mailboxId: number): Promise<MailboxIndex> {
    return this.snapshot(async (sql) => ({
      mailbox: toMailbox(await mailboxes.mailboxRow(sql, mailboxId)),
      uids: await messages.uidList(sql, mailboxId),
    }));
  }

  getPopMaildrop(mailboxId: number): Promise<PopMaildropSnapshot> {
    return this.snapshot(async (sql) => ({
      mailbox: toMailbox(await mailboxes.mailboxRow(sql, mailboxId)),
      ...(await messages.popMaildrop(sql, mailboxId)),
    }));
  }

  getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    return this.read(async (sql) => (await messages.messageRows(sql, mailboxId, uids)).map(toMessage));
  }

  getSortRows(mailboxId: number, uids: readonly number[], fields: readonly SortField[]): Promise<SortRow[]> {
    return this.read((sql) => sortRows(sql, mailboxId, uids, fields));
  }

  getMessagesWithMeta(
    mailboxId: number,
    uids: readonly number[],
    options?: { searchText?: SearchTextWanted },
  ): Promise<MessageWithMeta[]> {
    return this.read((sql) => messages.messagesWithMeta(sql, mailboxId, uids, options?.searchText ?? true));
  }

  blobsInMailbox(mailboxId: number, blobIds: readonly string[]): Promise<Set<string>> {
    return this.snapshot(async (sql) => {
      await mailboxes.mailboxRow(sql, mailboxId); // NOT_FOUND for an unknown mailbox
      return messages.blobsInMailbox(sql, mailboxId, blobIds);
    });
  }

  changesSince(mailboxId: number, modseq: number): Promise<ChangesSince> {
    return this.snapshot(async (sql) => ({
      highestModseq: (await mailboxes.mailboxRow(sql, mailboxId)).highest_modseq,
      changed: await messages.changedSince(sql, mailboxId, modseq),
      expunged: await messages.expungedSince(sql, mailboxId, modseq),
    }));
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.write((sql, touch) => this.writer.append(sql, request, touch));
  }

  replace(request: AppendRequest, replaced: { mailboxId: number; uid: number }): Promise<AppendResult> {
    return this.write((sql, touch) => this.writer.replace(sql, request, replaced, touch));
  }

  /** One transaction: a failing message rolls back the ones before it. */
  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    return this.write(async (sql, touch) => {
      const results: AppendResult[] = [];
      for (const request of requests) results.push(await this.writer.append(sql, request, touch));
      return results;
    });
  }

  /**
   * One transaction per recipient, run concurrently: one recipient's failure stays its own. A staged
   * blob for several recipients is written first in a commit of its own: each transaction writing it
   * would wait for the previous one's commit on the blob's key.
   */
  async deliver(request: DeliverRequest): Promise<DeliverOutcome[]> {
    if (request.blob.inline && request.recipients.length > 1) {
      request = { ...request, blob: await this.blobs.put(request.blob.inline) };
    }
    return Promise.all(
      request.recipients.map((recipient) =>
        this.write((sql, touch) =>
          this.writer.deliver(
            sql,
            {
              accountId: recipient.accountId,
              blob: request.blob,
              meta: request.meta,
              flags: recipient.flags,
              internalDate: request.internalDate,
            },
            recipient.mailbox ?? 'INBOX',
            touch,
          ),
        ).then(
          (result): DeliverOutcome => ({ ok: true, result }),
          (error: unknown): DeliverOutcome => ({ ok: false, error: toMailError(error) }),
        ),
      ),
    );
  }

  storeFlags(request: StoreFlagsRequest): Promise<StoreFlagsResult> {
    return this.write((sql, touch) => this.writer.storeFlags(sql, request, touch));
  }

  copy(sourceMailboxId: number, uids: readonly number[], destMailboxId: number): Promise<CopyResult> {
    return this.write((sql, touch) =>
      this.writer.copy(sql, sourceMailboxId, uids, destMailboxId, false, touch),
    );
  }

  move(sourceMailboxId: number, uids: readonly number[], destMailboxId: number): Promise<CopyResult> {
    return this.write((sql, touch) =>
      this.writer.copy(sql, sourceMailboxId, uids, destMailboxId, true, touch),
    );
  }

  expunge(mailboxId: number, options: { uids?: readonly number[]; force?: boolean } = {}): Promise<number[]> {
    return this.write((sql, touch) => this.writer.expunge(sql, mailboxId, options, touch));
  }

  async setPopHidden(mailboxId: number, uids: readonly number[]): Promise<void> {
    await this.write((sql) => this.writer.setPopHidden(sql, mailboxId, uids));
  }

  async claimRecent(mailboxId: number): Promise<number[]> {
    // Most SELECTs find nothing new: answer from a read instead of a locking write.
    const r = await this.read((sql) => mailboxes.mailboxRow(sql, mailboxId));
    if (r.first_recent_uid >= r.uid_next) return [];
    return this.write((sql) => this.writer.claimRecent(sql, mailboxId));
  }

  // Outgoing queue --------------------------------------------------------------------------

  enqueue(request: EnqueueRequest): Promise<QueuedMessage> {
    return this.write((sql) => this.queue.insert(sql, request, request.now ?? this.clock.now()));
  }

  getQueued(id: number): Promise<QueuedMessage | null> {
    return this.snapshot((sql) => this.queue.get(sql, id));
  }

  listQueue(options?: { limit?: number }): Promise<QueuedMessage[]> {
    return this.snapshot((sql) => this.queue.list(sql, options?.limit ?? null));
  }

  dueQueue(now: number, limit: number, afterId = 0): Promise<QueuedMessage[]> {
    return this.snapshot((sql) => this.queue.due(sql, now, limit, afterId));
  }

  nextQueueAttempt(): Promise<number | null> {
    return this.read((sql) => this.queue.nextAttempt(sql));
  }

  recordAttempt(id: number, outcomes: readonly AttemptOutcome[], now: number): Promise<QueuedMessage | null> {
    return this.write((sql) => this.queue.record(sql, id, outcomes, now));
  }

  async markWarned(id: number, at: number): Promise<void> {
    await this.write((sql) => this.queue.markWarned(sql, id, at));
  }

  rescheduleQueue(id: number | null, at: number): Promise<number> {
    return this.write((sql) => this.queue.reschedule(sql, id, at));
  }

  async deleteQueued(id: number): Promise<void> {
    await this.write((sql) => this.queue.remove(sql, id));
  }

  queueSummary(): Promise<QueueSummary> {
    return this.read((sql) => this.queue.summary(sql));
  }

  // Maintenance -----------------------------------------------------------------------------

  applyRetention(now: Date = new Date(this.clock.now())): Promise<number> {
    return this.guard(() => this.maintenance.applyRetention(now));
  }

  collectGarbage(options?: { graceMs?: number }): Promise<GarbageReport> {
    return this.guard(() => this.maintenance.collectGarbage(options?.graceMs));
  }

  checkIntegrity(options?: { repair?: boolean }): Promise<IntegrityReport> {
    return this.guard(() => this.maintenance.checkIntegrity(options?.repair ?? false));
  }

  // Activity and web access ----------------------------------------------------------------

  async recordActivity(batch: ActivityBatch): Promise<void> {
    if (!batch.logins?.length && !batch.mailEvents?.length) return;
    await this.write((sql) => activity.recordActivity(sql, batch));
  }

  loginHistory(accountId: number, since: Date): Promise<DeviceUsage[]> {
    return this.read((sql) => activity.loginHistory(sql, accountId, since));
  }

  recentMailEvents(options: { limit: number; accountId?: number; since?: Date }): Promise<StoredMailEvent[]> {
    return this.read((sql) => activity.recentMailEvents(sql, options));
  }

  recordUsageSamples(at: Date): Promise<number> {
    return this.write((sql) => activity.recordUsageSamples(sql, at));
  }

  usageHistory(accountId: number, since: Date): Promise<UsageSample[]> {
    return this.read((sql) => activity.usageHistory(sql, accountId, since));
  }

  pruneActivity(limits: { before: Date; usageBefore: Date; now: Date }): Promise<number> {
    return this.write((sql) => activity.pruneActivity(sql, limits));
  }

  async createWebSession(session: WebSession): Promise<void> {
    await this.write((sql) => activity.createWebSession(sql, session));
  }

  getWebSession(tokenHash: string, now: Date): Promise<WebSession | null> {
    return this.read((sql) => activity.getWebSession(sql, tokenHash, now));
  }

  async deleteWebSession(tokenHash: string): Promise<void> {
    await this.write((sql) => activity.deleteWebSession(sql, tokenHash));
  }

  deleteWebSessions(accountId: number, options: { keep?: string } = {}): Promise<number> {
    return this.write((sql) => activity.deleteWebSessions(sql, accountId, options.keep));
  }

  createApiToken(accountId: number, name: string, tokenHash: string): Promise<ApiToken> {
    return this.write((sql) => activity.createApiToken(sql, accountId, name, tokenHash, this.clock.now()));
  }

  findApiToken(tokenHash: string): Promise<ApiToken | null> {
    return this.read((sql) => activity.findApiToken(sql, tokenHash));
  }

  listApiTokens(accountId?: number): Promise<ApiToken[]> {
    return this.read((sql) => activity.listApiTokens(sql, accountId));
  }

  async deleteApiToken(id: number): Promise<void> {
    await this.write((sql) => activity.deleteApiToken(sql, id));
  }

  // -----------------------------------------------------------------------------------------

  /** One statement (or several that need no common snapshot) on the pool. */
  private read<T>(body: (sql: Sql) => Promise<T>): Promise<T> {
    return this.guard(() => body(this.pool));
  }

  /** Several statements that must see one snapshot (REPEATABLE READ, read only). */
  private snapshot<T>(body: (sql: Sql) => Promise<T>): Promise<T> {
    return this.guard(() => transaction(this.pool, body, { readOnly: true }));
  }

  /** One transaction; its changes are published once per mailbox after COMMIT. */
  private write<T>(body: (sql: Sql, touch: Touch) => Promise<T>): Promise<T> {
    return this.guard(async () => {
      let changes = new Map<number, MailboxChange>();
      const result = await transaction(this.pool, (client) => {
        changes = new Map(); // a retried transaction starts over
        const touch: Touch = (accountId, mailboxId, modseq, structural) => {
          const previous = changes.get(mailboxId);
          const merged: MailboxChange = {
            accountId,
            mailboxId,
            modseq: Math.max(modseq, previous?.modseq ?? 0),
          };
          if (structural || previous?.structural) merged.structural = true;
          changes.set(mailboxId, merged);
        };
        return body(client, touch);
      });
      for (const change of changes.values()) {
        try {
          this.bus?.publish(change);
        } catch (err) {
          this.errors.report('publishing a change after commit failed', err, { ...change });
        }
      }
      return result;
    });
  }

  private async guard<T>(body: () => Promise<T>): Promise<T> {
    if (this.closed) throw new TempError('Store is closed');
    try {
      return await body();
    } catch (err) {
      throw toMailError(err);
    }
  }
}
