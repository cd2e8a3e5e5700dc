/**
 * Group commit: every write is a job queued here; all jobs queued in the same event-loop turn run in
 * ONE transaction, each inside its own savepoint so one job's failure (e.g. OVER_QUOTA) rolls back only
 * that job. Callers are resolved only once their COMMIT is durable, so nothing is acknowledged before it
 * would survive a power loss. Change notifications are published then too, once per touched mailbox.
 *
 * The WAL fsync runs off the event loop. A batch commits with synchronous=NORMAL (SQLite writes the WAL
 * frames but does not fsync them), then an fdatasync of the -wal file on the libuv thread pool makes it
 * durable, and only then are its callers resolved. Commits made while a sync is running wait for the
 * next one, which then covers all of them (a second level of grouping), so the event loop keeps parsing
 * and committing while the disk works. Why this is exactly as durable as synchronous=FULL for what we
 * acknowledge:
 * - fdatasync flushes every dirty page of the file, whichever descriptor wrote it, and the file size;
 *   a sync that began after our COMMIT returned therefore covers all frames that COMMIT wrote.
 * - A checkpoint (SQLite's automatic one runs inside a COMMIT, another process may run one any time)
 *   cannot lose an unsynced WAL tail: at synchronous=NORMAL (and FULL) SQLite fsyncs the WAL before it
 *   copies frames into the database file and fsyncs that file after. Only after such a complete
 *   checkpoint does a writer restart the WAL from its start (overwriting old frames, header synced) or
 *   truncate it, and then the frames it drops are already durable in the database file.
 * - The -wal file is deleted only when the last connection closes; ours stays open until every sync
 *   has finished (close() waits for settled()), so the path we open always names the live WAL.
 * - The directory entry of the -wal file is made durable once per process (SQLite would do it on the
 *   first FULL sync of a new WAL; with NORMAL that sync may be late).
 * - Writes that do not go through here (none should) still commit with FULL: NORMAL is set only around
 *   a batch.
 * What is NOT the same as FULL: between COMMIT and the end of the sync, other readers (sessions, other
 * processes polling the change log) can already see the rows. A kill -9 in that window loses nothing
 * (the frames are in the OS page cache), but a power loss can: a row someone saw (never acknowledged to
 * its sender) can vanish. Bus notifications wait for the sync, so IDLE sessions do not see it early.
 */
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import type { ChangeBus, MailboxChange } from '../../bus/bus.js';
import { TempError, toMailError } from '../../lib/errors.js';
import { RateLimitedErrors } from '../../lib/rate-limited-log.js';
import type { ChangeLogWriter } from './change-log.js';

export interface WriteContext {
  /** Records that a mailbox changed, for the notification published after commit. */
  touch(accountId: number, mailboxId: number, modseq: number, structural?: boolean): void;
}

export type WriteJob<T> = (ctx: WriteContext) => T;

interface Pending {
  job: WriteJob<unknown>;
  changes: MailboxChange[];
  ok: boolean;
  result: unknown;
  error: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export interface CommitStats {
  /** Transactions committed (one per batch). */
  commits: number;
  /** Write jobs run (each in a savepoint). */
  jobs: number;
  /** WAL fdatasyncs that made commits durable (one may cover several commits). */
  syncs: number;
}

/** Makes every frame written to the WAL so far durable; rejects if it cannot. */
export type WalSync = () => Promise<void>;

interface Committed {
  batch: Pending[];
  changes: MailboxChange[];
}

export class GroupCommitter {
  readonly stats: CommitStats = { commits: 0, jobs: 0, syncs: 0 };
  private queue: Pending[] = [];
  private scheduled = false;
  /** Committed but not yet covered by a sync that started after their COMMIT. */
  private unsynced: Committed[] = [];
  private syncing: Promise<void> | null = null;
  /** null: the database is not a WAL file (e.g. in memory); FULL commits, resolve at once. */
  private readonly syncWal: WalSync | null;
  private readonly runBatch: Database.Transaction<(batch: Pending[]) => MailboxChange[]>;
  private readonly runInSavepoint: Database.Transaction<(pending: Pending) => unknown>;

  constructor(
    private readonly db: Database.Database,
    private readonly bus: ChangeBus | undefined,
    private readonly changeLog?: ChangeLogWriter,
    private readonly errors = new RateLimitedErrors(undefined),
    syncWal?: WalSync | null,
  ) {
    this.syncWal = syncWal === undefined ? walSyncFor(db) : syncWal;
    // A transaction function called inside another one runs in a SAVEPOINT (better-sqlite3 semantics).
    this.runInSavepoint = db.transaction((pending: Pending) => pending.job(contextFor(pending)));
    this.runBatch = db.transaction((batch: Pending[]) => {
      for (const pending of batch) {
        try {
          pending.result = this.runInSavepoint(pending);
          pending.ok = true;
        } catch (err) {
          // Some errors (SQLITE_FULL, SQLITE_IOERR...) make SQLite roll back the whole transaction, not
          // just the savepoint: then every job of the batch is lost and must be reported as failed.
          if (!db.inTransaction) throw err;
          pending.changes = [];
          pending.error = err;
        }
      }
      const changes = mergeChanges(batch);
      // Recorded in the same transaction, so other processes learn exactly what committed.
      if (changes.length > 0) this.changeLog?.record(changes);
      return changes;
    });
  }

  submit<T>(job: WriteJob<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        job,
        changes: [],
        ok: false,
        result: undefined,
        error: undefined,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Runs every queued job now (also used by close()). */
  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let changes: MailboxChange[];
    // The WAL fsync is ours to do, off the event loop (see the top of this file); FULL again after the
    // batch so that nothing else ever commits without a sync.
    if (this.syncWal) this.db.pragma('synchronous = NORMAL');
    try {
      // IMMEDIATE takes the write lock up front, so another process cannot make us fail mid-batch.
      changes = this.runBatch.immediate(batch);
    } catch (err) {
      const error = new TempError('Commit failed', { cause: err });
      for (const pending of batch) pending.reject(error);
      return;
    } finally {
      if (this.syncWal) this.db.pragma('synchronous = FULL');
    }
    this.stats.commits++;
    this.stats.jobs += batch.length;
    if (!this.syncWal) {
      this.settle({ batch, changes });
      return;
    }
    this.unsynced.push({ batch, changes });
    this.startSync(this.syncWal);
  }

  /** Resolves once every commit so far is durable and settled (close() waits for it). */
  async settled(): Promise<void> {
    while (this.syncing) await this.syncing;
  }

  /** One sync at a time; it covers exactly the commits made before it started. */
  private startSync(syncWal: WalSync): void {
    if (this.syncing || this.unsynced.length === 0) return;
    const covered = this.unsynced;
    this.unsynced = [];
    this.syncing = syncWal()
      .then(
        () => {
          this.stats.syncs++;
          for (const committed of covered) this.settle(committed);
        },
        (err) => {
          // The rows are committed (and visible) but may not survive a power loss: the senders get a
          // temporary failure and retry; a duplicate is better than a loss. The next sync may succeed
          // although Linux dropped the failed pages, which is why this is logged.
          this.errors.report('fdatasync of the SQLite WAL failed', err);
          const error = new TempError('Commit could not be made durable', { cause: err });
          for (const { batch } of covered) {
            for (const pending of batch) pending.reject(pending.ok ? error : toMailError(pending.error));
          }
        },
      )
      .finally(() => {
        this.syncing = null;
        this.startSync(syncWal);
      });
  }

  private settle({ batch, changes }: Committed): void {
    for (const pending of batch) {
      if (pending.ok) pending.resolve(pending.result);
      else pending.reject(toMailError(pending.error));
    }
    for (const change of changes) {
      try {
        this.bus?.publish(change);
      } catch (err) {
        // A failing bus must not fail writes that are already committed; sessions catch up at their next
        // command, but a stale IDLE is worth knowing about.
        this.errors.report('publishing a change after commit failed', err, { ...change });
      }
    }
  }
}

/** fdatasync of the database's -wal file (and, the first time, of its directory), on the thread pool. */
export function walSyncFor(db: Database.Database): WalSync | null {
  if (db.memory || String(db.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return null;
  const wal = `${db.name}-wal`;
  let directorySynced = false;
  return async () => {
    if (!directorySynced) {
      await syncPath(dirname(wal), false);
      directorySynced = true;
    }
    await syncPath(wal, true);
  };
}

async function syncPath(path: string, dataOnly: boolean): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await (dataOnly ? handle.datasync() : handle.sync());
  } finally {
    await handle.close();
  }
}

/** One change per touched mailbox: the highest modseq, structural if any job was structural. */
function mergeChanges(batch: Pending[]): MailboxChange[] {
  const latest = new Map<number, MailboxChange>();
  for (const pending of batch) {
    for (const change of pending.changes) {
      const previous = latest.get(change.mailboxId);
      const merged: MailboxChange = {
        accountId: change.accountId,
        mailboxId: change.mailboxId,
        modseq: Math.max(change.modseq, previous?.modseq ?? 0),
      };
      if (change.structural || previous?.structural) merged.structural = true;
      latest.set(change.mailboxId, merged);
    }
  }
  return [...latest.values()];
}

function contextFor(pending: Pending): WriteContext {
  return {
    touch(accountId, mailboxId, modseq, structural) {
      pending.changes.push({ accountId, mailboxId, modseq, ...(structural ? { structural: true } : {}) });
    },
  };
}
