/**
 * The SQLite Store: reads run directly (better-sqlite3 is synchronous, reads never wait for writes in
 * WAL mode); every write is a job for the group committer, so concurrent appends and deliveries share
 * one transaction and one fsync, and nothing resolves before its COMMIT.
 */
import type Database from 'better-sqlite3';
import type { ChangeBus } from '../../bus/bus.js';
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
  type FlagColumns,
  type GarbageReport,
  type IndexedSearch,
  type IntegrityReport,
  type Mailbox,
  type MailboxIndex,
  type MailboxStatus,
  type MessageRecord,
  type MessageWithMeta,
  type MetaTextField,
  type MetaTexts,
  type PasswordRecord,
  type PopMaildropSnapshot,
  type QueuedMessage,
  type QueueSummary,
  type QuotaUsage,
  type SearchTextWanted,
  type SelectStatus,
  type SortColumns,
  type SortField,
  type SortRow,
  type SortTextField,
  type SpecialUse,
  type Store,
  type StoreClock,
  type StoreFlagsRequest,
  type StoreFlagsResult,
  type StoreOptions,
  type TextNeedle,
} from '../store.js';
import { AccountRepo } from './accounts.js';
import { ActivityRepo } from './activity.js';
import { ChangeLog } from './change-log.js';
import { type CommitStats, GroupCommitter, type WriteJob } from './committer.js';
import { DEFAULT_BUSY_TIMEOUT_MS, openDatabase } from './database.js';
import { SqliteBlobStore } from './inline-blobs.js';
import { MailboxWriter } from './mailbox-writes.js';
import { MailboxRepo } from './mailboxes.js';
import { Maintenance } from './maintenance.js';
import { MessageWriter } from './message-writes.js';
import { MessageReader, type SearchTextMode } from './messages.js';
import { QueueRepo } from './queue.js';
import { toMailbox } from './rows.js';
import { SearchIndex } from './search-index.js';
import { SortTable } from './sort-table.js';
import { WebAccessRepo } from './web-access.js';

/** A cluster worker's wait inside SQLite for another worker's write lock; its committer then retries. */
const WORKER_BUSY_TIMEOUT_MS = 5;

export async function openSqliteStore(
  options: StoreOptions & { inlineBlobMaxBytes?: number },
): Promise<SqliteStore> {
  const worker = options.clusterWorker === true;
  const db = openDatabase(options.dataDir, worker ? WORKER_BUSY_TIMEOUT_MS : DEFAULT_BUSY_TIMEOUT_MS);
  return new SqliteStore(
    db,
    new SqliteBlobStore(db, new FileBlobStore(options.dataDir), options.inlineBlobMaxBytes),
    options.bus,
    options.clock,
    new RateLimitedErrors(options.log),
    { watchOtherWriters: !worker },
  );
}

export class SqliteStore implements Store {
  private readonly accounts: AccountRepo;
  private readonly mailboxes: MailboxRepo;
  private readonly reader: MessageReader;
  private readonly messageWriter: MessageWriter;
  private readonly mailboxWriter: MailboxWriter;
  private readonly committer: GroupCommitter;
  private readonly changeLog: ChangeLog;
  private readonly maintenance: Maintenance;
  private readonly searchIndex: SearchIndex;
  private readonly sortTable: SortTable;
  private readonly activity: ActivityRepo;
  private readonly webAccess: WebAccessRepo;
  private readonly queue: QueueRepo;
  private readonly snapshot: <T>(read: () => T) => T;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    readonly blobs: SqliteBlobStore,
    bus?: ChangeBus,
    private readonly clock: StoreClock = Date,
    errors: RateLimitedErrors = new RateLimitedErrors(undefined),
    options: { watchOtherWriters?: boolean } = {},
  ) {
    this.accounts = new AccountRepo(db);
    this.mailboxes = new MailboxRepo(db);
    this.reader = new MessageReader(db);
    this.searchIndex = new SearchIndex(db);
    this.sortTable = new SortTable(db);
    this.messageWriter = new MessageWriter(
      db,
      this.accounts,
      this.mailboxes,
      this.reader,
      blobs,
      clock,
      this.searchIndex,
      this.sortTable,
    );
    this.mailboxWriter = new MailboxWriter(db, this.accounts, this.mailboxes);
    this.queue = new QueueRepo(db, blobs);
    this.changeLog = new ChangeLog(db, bus, errors);
    this.committer = new GroupCommitter(db, bus, this.changeLog, errors);
    // Cluster workers leave it to their primary, which watches once for the whole machine.
    if (options.watchOtherWriters !== false) this.changeLog.start();
    this.maintenance = new Maintenance(
      db,
      blobs,
      this.committer,
      this.messageWriter,
      this.searchIndex,
      this.sortTable,
    );
    this.activity = new ActivityRepo(db);
    this.webAccess = new WebAccessRepo(db);
    const readTransaction = db.transaction((read: () => unknown) => read());
    this.snapshot = <T>(read: () => T) => readTransaction(read) as T;
  }

  /** Publishes changes other processes committed since the last check (also runs on a timer). */
  pollExternalChanges(): void {
    if (!this.closed) this.changeLog.poll();
  }

  /** Commit counters, for tests and diagnostics (group commit batches several jobs per commit). */
  commitStats(): Readonly<CommitStats> {
    return { ...this.committer.stats };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.changeLog.stop();
    // Closing may wait in SQLite for another process's write lock: nothing queued may be lost.
    this.db.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    this.committer.flush({ final: true });
    this.closed = true;
    this.db.close();
  }

  // Accounts --------------------------------------------------------------------------------

  createAccount(login: string, passwordHash: string, settings: AccountSettings = {}): Promise<Account> {
    return this.write((ctx) => {
      const account = this.accounts.insert(login, passwordHash, settings, this.clock.now());
      for (const { name, specialUse } of DEFAULT_MAILBOXES) {
        this.mailboxWriter.create(account.id, name, specialUse, ctx);
        this.mailboxes.setSubscribed(account.id, name, true);
      }
      return account;
    });
  }

  getAccount(login: string): Promise<Account | null> {
    return this.read(() => this.accounts.byLogin(login));
  }

  getAccountById(id: number): Promise<Account | null> {
    return this.read(() => this.accounts.byId(id));
  }

  listAccounts(): Promise<Account[]> {
    return this.read(() => this.accounts.list());
  }

  hasAccountInDomain(domain: string): Promise<boolean> {
    return this.read(() => this.accounts.hasDomain(domain));
  }

  async deleteAccount(login: string): Promise<void> {
    await this.write((ctx) => {
      const account = this.accounts.mustGetByLogin(login);
      for (const mailbox of this.mailboxes.list(account.id)) {
        ctx.touch(account.id, mailbox.id, mailbox.highestModseq + 1, true);
      }
      this.accounts.remove(login);
    });
  }

  getPasswordHash(login: string): Promise<PasswordRecord | null> {
    return this.read(() => this.accounts.passwordHash(login));
  }

  async setPasswordHash(
    login: string,
    passwordHash: string,
    scramSha256: string | null = null,
  ): Promise<void> {
    await this.write(() => this.accounts.setPasswordHash(login, passwordHash, scramSha256));
  }

  setScramSha256(login: string, passwordHash: string, scramSha256: string): Promise<boolean> {
    return this.write(() => this.accounts.setScramSha256(login, passwordHash, scramSha256));
  }

  updateAccount(login: string, settings: AccountSettings): Promise<Account> {
    return this.write(() => this.accounts.update(login, settings));
  }

  getQuotaUsage(accountId: number): Promise<QuotaUsage> {
    return this.read(() => this.accounts.usage(accountId));
  }

  // Mailboxes -------------------------------------------------------------------------------

  listMailboxes(accountId: number): Promise<Mailbox[]> {
    return this.read(() => this.mailboxes.list(accountId));
  }

  getMailbox(accountId: number, name: string): Promise<Mailbox | null> {
    return this.read(() => this.mailboxes.byName(accountId, name));
  }

  getMailboxById(mailboxId: number): Promise<Mailbox | null> {
    return this.read(() => this.mailboxes.byId(mailboxId));
  }

  mailboxStatus(mailboxId: number): Promise<MailboxStatus> {
    return this.read(() => {
      const row = this.mailboxes.row(mailboxId);
      const counts = this.reader.status(mailboxId, row.first_recent_uid);
      return {
        ...toMailbox(row),
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
    return this.read(() => {
      const row = this.mailboxes.row(mailboxId);
      return { ...toMailbox(row), ...this.reader.selectCounts(mailboxId, row.first_recent_uid) };
    });
  }

  mailboxKeywords(mailboxId: number, limit: number): Promise<string[]> {
    return this.read(() => {
      this.mailboxes.row(mailboxId); // NOT_FOUND for an unknown mailbox
      return this.reader.keywords(mailboxId, limit);
    });
  }

  createMailbox(
    accountId: number,
    name: string,
    options?: { specialUse?: SpecialUse | null },
  ): Promise<Mailbox> {
    return this.write((ctx) => this.mailboxWriter.create(accountId, name, options?.specialUse ?? null, ctx));
  }

  async deleteMailbox(accountId: number, name: string): Promise<void> {
    await this.write((ctx) => this.mailboxWriter.delete(accountId, name, ctx));
  }

  async renameMailbox(accountId: number, oldName: string, newName: string): Promise<void> {
    await this.write((ctx) => this.mailboxWriter.rename(accountId, oldName, newName, ctx));
  }

  async setSubscribed(accountId: number, name: string, subscribed: boolean): Promise<void> {
    await this.write((ctx) => {
      this.accounts.mustGetById(accountId);
      this.mailboxes.setSubscribed(accountId, name, subscribed);
      // A structural change, so IMAP NOTIFY SubscriptionChange reaches the account's other sessions.
      const mailbox = this.mailboxes.byName(accountId, name);
      if (mailbox) ctx.touch(accountId, mailbox.id, mailbox.highestModseq, true);
    });
  }

  listSubscriptions(accountId: number): Promise<string[]> {
    return this.read(() => this.mailboxes.subscriptions(accountId));
  }

  // Messages --------------------------------------------------------------------------------

  getIndex(mailboxId: number): Promise<MailboxIndex> {
    return this.read(() => ({
      mailbox: toMailbox(this.mailboxes.row(mailboxId)),
      uids: this.reader.uids(mailboxId),
    }));
  }

  getPopMaildrop(mailboxId: number): Promise<PopMaildropSnapshot> {
    return this.read(() => ({
      mailbox: toMailbox(this.mailboxes.row(mailboxId)),
      ...this.reader.popMaildrop(mailboxId),
    }));
  }

  getFlagColumns(mailboxId: number): Promise<FlagColumns> {
    return this.read(() => ({
      highestModseq: this.mailboxes.row(mailboxId).highest_modseq,
      ...this.reader.flagColumns(mailboxId),
    }));
  }

  getMessages(mailboxId: number, uids: readonly number[]): Promise<MessageRecord[]> {
    return this.read(() => this.reader.messages(mailboxId, uids));
  }

  getMessagesWithMeta(
    mailboxId: number,
    uids: readonly number[],
    options?: { searchText?: SearchTextWanted; structure?: boolean },
  ): Promise<MessageWithMeta[]> {
    return this.read(() =>
      this.reader.messagesWithMeta(
        mailboxId,
        uids,
        searchTextMode(options?.searchText),
        options?.structure ?? true,
      ),
    );
  }

  getMetaTexts(
    mailboxId: number,
    uids: readonly number[],
    fields: readonly MetaTextField[],
  ): Promise<MetaTexts> {
    return this.read(() => this.reader.metaTexts(mailboxId, uids, fields));
  }

  getSortRows(mailboxId: number, uids: readonly number[], fields: readonly SortField[]): Promise<SortRow[]> {
    return this.read(() => this.sortTable.rows(mailboxId, uids, fields));
  }

  getSortColumns(
    mailboxId: number,
    uids: readonly number[],
    fields: readonly SortTextField[],
  ): Promise<SortColumns> {
    return this.read(() => this.sortTable.columns(mailboxId, uids, fields));
  }

  searchCandidates(
    mailboxId: number,
    needles: readonly TextNeedle[],
  ): Promise<ArrayLike<number> | undefined> {
    return this.read(() => {
      this.mailboxes.row(mailboxId); // NOT_FOUND for an unknown mailbox
      return this.searchIndex.candidates(mailboxId, needles);
    });
  }

  searchIndexed(mailboxId: number, needles: readonly TextNeedle[]): Promise<IndexedSearch | undefined> {
    return this.read(() => {
      this.mailboxes.row(mailboxId); // NOT_FOUND for an unknown mailbox
      return this.searchIndex.indexed(mailboxId, needles);
    });
  }

  blobsInMailbox(mailboxId: number, blobIds: readonly string[]): Promise<Set<string>> {
    return this.read(() => {
      this.mailboxes.row(mailboxId); // NOT_FOUND for an unknown mailbox
      return this.reader.blobsInMailbox(mailboxId, blobIds);
    });
  }

  changesSince(mailboxId: number, modseq: number): Promise<ChangesSince> {
    return this.read(() => ({
      highestModseq: this.mailboxes.row(mailboxId).highest_modseq,
      changed: this.reader.changedSince(mailboxId, modseq),
      expunged: this.reader.expungedSince(mailboxId, modseq),
    }));
  }

  append(request: AppendRequest): Promise<AppendResult> {
    return this.write((ctx) => this.messageWriter.append(request, ctx));
  }

  /** One write job, so one savepoint: a failing message rolls back the ones before it. */
  appendMany(requests: readonly AppendRequest[]): Promise<AppendResult[]> {
    return this.write((ctx) => requests.map((request) => this.messageWriter.append(request, ctx)));
  }

  appendClaimingRecent(
    requests: readonly AppendRequest[],
  ): Promise<{ results: AppendResult[]; recent: number[] }> {
    return this.write((ctx) => {
      const results = requests.map((request) => this.messageWriter.append(request, ctx));
      const mailboxId = requests[0]?.mailboxId;
      return { results, recent: mailboxId === undefined ? [] : this.messageWriter.claimRecent(mailboxId) };
    });
  }

  replace(request: AppendRequest, replaced: { mailboxId: number; uid: number }): Promise<AppendResult> {
    return this.write((ctx) => this.messageWriter.replace(request, replaced, ctx));
  }

  /** One job per recipient, queued together: one commit, and one recipient's failure stays its own. */
  deliver(request: DeliverRequest): Promise<DeliverOutcome[]> {
    return Promise.all(
      request.recipients.map((recipient) =>
        this.write((ctx) => {
          const name = recipient.mailbox ?? 'INBOX';
          this.accounts.mustGetById(recipient.accountId);
          const mailbox = this.mailboxes.mustGetByName(recipient.accountId, name);
          return this.messageWriter.append(
            {
              accountId: recipient.accountId,
              mailboxId: mailbox.id,
              blob: request.blob,
              meta: request.meta,
              flags: recipient.flags,
              internalDate: request.internalDate,
            },
            ctx,
          );
        }).then(
          (result): DeliverOutcome => ({ ok: true, result }),
          (error: unknown): DeliverOutcome => ({ ok: false, error: toMailError(error) }),
        ),
      ),
    );
  }

  storeFlags(request: StoreFlagsRequest): Promise<StoreFlagsResult> {
    return this.write((ctx) => this.messageWriter.storeFlags(request, ctx));
  }

  copy(sourceMailboxId: number, uids: readonly number[], destMailboxId: number): Promise<CopyResult> {
    return this.write((ctx) => this.messageWriter.copy(sourceMailboxId, uids, destMailboxId, false, ctx));
  }

  move(sourceMailboxId: number, uids: readonly number[], destMailboxId: number): Promise<CopyResult> {
    return this.write((ctx) => this.messageWriter.copy(sourceMailboxId, uids, destMailboxId, true, ctx));
  }

  expunge(mailboxId: number, options: { uids?: readonly number[]; force?: boolean } = {}): Promise<number[]> {
    return this.write((ctx) => this.messageWriter.expunge(mailboxId, options, ctx));
  }

  async setPopHidden(mailboxId: number, uids: readonly number[]): Promise<void> {
    await this.write(() => this.messageWriter.setPopHidden(mailboxId, uids));
  }

  async claimRecent(mailboxId: number): Promise<number[]> {
    // Most SELECTs find nothing new: answer from a read instead of queueing a write.
    const row = await this.read(() => this.mailboxes.row(mailboxId));
    if (row.first_recent_uid >= row.uid_next) return [];
    return this.write(() => this.messageWriter.claimRecent(mailboxId));
  }

  // Outgoing queue --------------------------------------------------------------------------

  enqueue(request: EnqueueRequest): Promise<QueuedMessage> {
    return this.write(() => this.queue.insert(request, request.now ?? this.clock.now()));
  }

  getQueued(id: number): Promise<QueuedMessage | null> {
    return this.read(() => this.queue.get(id));
  }

  listQueue(options?: { limit?: number }): Promise<QueuedMessage[]> {
    return this.read(() => this.queue.list(options?.limit ?? -1));
  }

  dueQueue(now: number, limit: number, afterId = 0): Promise<QueuedMessage[]> {
    return this.read(() => this.queue.due(now, limit, afterId));
  }

  nextQueueAttempt(): Promise<number | null> {
    return this.read(() => this.queue.nextAttempt());
  }

  recordAttempt(id: number, outcomes: readonly AttemptOutcome[], now: number): Promise<QueuedMessage | null> {
    return this.write(() => this.queue.record(id, outcomes, now));
  }

  async markWarned(id: number, at: number): Promise<void> {
    await this.write(() => this.queue.markWarned(id, at));
  }

  rescheduleQueue(id: number | null, at: number): Promise<number> {
    return this.write(() => this.queue.reschedule(id, at));
  }

  async deleteQueued(id: number): Promise<void> {
    await this.write(() => this.queue.remove(id));
  }

  queueSummary(): Promise<QueueSummary> {
    return this.read(() => this.queue.summary());
  }

  // Maintenance -----------------------------------------------------------------------------

  applyRetention(now: Date = new Date(this.clock.now())): Promise<number> {
    this.assertOpen();
    return this.maintenance.applyRetention(now);
  }

  collectGarbage(options?: { graceMs?: number }): Promise<GarbageReport> {
    this.assertOpen();
    return this.maintenance.collectGarbage(options?.graceMs);
  }

  checkIntegrity(options?: { repair?: boolean }): Promise<IntegrityReport> {
    this.assertOpen();
    return this.maintenance.checkIntegrity(options?.repair ?? false);
  }

  // Activity and web access ----------------------------------------------------------------

  async recordActivity(batch: ActivityBatch): Promise<void> {
    if (!batch.logins?.length && !batch.mailEvents?.length) return;
    await this.write(() => this.activity.record(batch));
  }

  loginHistory(accountId: number, since: Date): Promise<DeviceUsage[]> {
    return this.read(() => this.activity.loginHistory(accountId, since));
  }

  recentMailEvents(options: { limit: number; accountId?: number; since?: Date }): Promise<StoredMailEvent[]> {
    return this.read(() => this.activity.recentMailEvents(options));
  }

  recordUsageSamples(at: Date): Promise<number> {
    return this.write(() => this.activity.recordUsageSamples(at));
  }

  usageHistory(accountId: number, since: Date): Promise<UsageSample[]> {
    return this.read(() => this.activity.usageHistory(accountId, since));
  }

  pruneActivity(limits: { before: Date; usageBefore: Date; now: Date }): Promise<number> {
    return this.write(() => this.activity.prune(limits));
  }

  async createWebSession(session: WebSession): Promise<void> {
    await this.write(() => this.webAccess.createSession(session));
  }

  getWebSession(tokenHash: string, now: Date): Promise<WebSession | null> {
    return this.read(() => this.webAccess.session(tokenHash, now));
  }

  async deleteWebSession(tokenHash: string): Promise<void> {
    await this.write(() => this.webAccess.deleteSession(tokenHash));
  }

  deleteWebSessions(accountId: number, options: { keep?: string } = {}): Promise<number> {
    return this.write(() => this.webAccess.deleteSessions(accountId, options.keep));
  }

  createApiToken(accountId: number, name: string, tokenHash: string): Promise<ApiToken> {
    return this.write(() => this.webAccess.createToken(accountId, name, tokenHash, this.clock.now()));
  }

  findApiToken(tokenHash: string): Promise<ApiToken | null> {
    return this.read(() => this.webAccess.findToken(tokenHash));
  }

  listApiTokens(accountId?: number): Promise<ApiToken[]> {
    return this.read(() => this.webAccess.listTokens(accountId));
  }

  async deleteApiToken(id: number): Promise<void> {
    await this.write(() => this.webAccess.deleteToken(id));
  }

  // -----------------------------------------------------------------------------------------

  private read<T>(read: () => T): Promise<T> {
    try {
      this.assertOpen();
      return Promise.resolve(this.snapshot(read));
    } catch (err) {
      return Promise.reject(toMailError(err));
    }
  }

  private write<T>(job: WriteJob<T>): Promise<T> {
    try {
      this.assertOpen();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.committer.submit(job);
  }

  private assertOpen(): void {
    if (this.closed) throw new TempError('Store is closed');
  }
}

function searchTextMode(searchText: SearchTextWanted | undefined): SearchTextMode {
  if (searchText === undefined) return 'lazy';
  if (searchText === 'header') return 'header';
  return searchText ? 'eager' : 'none';
}
