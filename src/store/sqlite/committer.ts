/**
 * Group commit: every write is a job queued here; all jobs queued in the same event-loop turn run in
 * ONE transaction (one WAL fsync), each inside its own savepoint so one job's failure (e.g. OVER_QUOTA)
 * rolls back only that job. Callers are resolved only after COMMIT returned, so nothing is acknowledged
 * before it is durable. Change notifications are published after the commit, once per touched mailbox.
 *
 * Several processes may write the same file (cluster workers, `postyard deliver`): the connection's
 * busy_timeout is kept short, and a batch whose BEGIN IMMEDIATE finds the write lock taken is retried
 * from the event loop with a short backoff instead of sleeping in SQLite (jobs queued meanwhile join it).
 */
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
  /** Batches that found the write lock taken by another process and were tried again. */
  busyRetries: number;
}

/** How long a batch keeps retrying a taken write lock before its jobs fail with TEMP. */
const BUSY_GIVE_UP_MS = 5_000;
const BUSY_MAX_BACKOFF_MS = 16;

export class GroupCommitter {
  readonly stats: CommitStats = { commits: 0, jobs: 0, busyRetries: 0 };
  private queue: Pending[] = [];
  private scheduled = false;
  /** Set once the batch function runs, i.e. BEGIN IMMEDIATE got the write lock. */
  private batchStarted = false;
  private busyRetry: NodeJS.Timeout | null = null;
  private busySince = 0;
  private busyAttempts = 0;
  private readonly runBatch: Database.Transaction<(batch: Pending[]) => MailboxChange[]>;
  private readonly runInSavepoint: Database.Transaction<(pending: Pending) => unknown>;

  constructor(
    db: Database.Database,
    private readonly bus: ChangeBus | undefined,
    private readonly changeLog?: ChangeLogWriter,
    private readonly errors = new RateLimitedErrors(undefined),
  ) {
    // A transaction function called inside another one runs in a SAVEPOINT (better-sqlite3 semantics).
    this.runInSavepoint = db.transaction((pending: Pending) => pending.job(contextFor(pending)));
    this.runBatch = db.transaction((batch: Pending[]) => {
      this.batchStarted = true;
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
      if (!this.scheduled && !this.busyRetry) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Runs every queued job now. `final` (close()) waits for a taken write lock in SQLite (the caller
   * raises busy_timeout) instead of retrying from the event loop.
   */
  flush(options: { final?: boolean } = {}): void {
    this.scheduled = false;
    if (this.busyRetry) {
      clearTimeout(this.busyRetry);
      this.busyRetry = null;
    }
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let changes: MailboxChange[];
    this.batchStarted = false;
    try {
      // IMMEDIATE takes the write lock up front, so another process cannot make us fail mid-batch.
      changes = this.runBatch.immediate(batch);
    } catch (err) {
      if (!this.batchStarted && !options.final && isBusy(err) && this.retryLater(batch)) return;
      this.busySince = 0;
      const error = new TempError('Commit failed', { cause: err });
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.busySince = 0;
    this.stats.commits++;
    this.stats.jobs += batch.length;
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

  /**
   * Another process holds the write lock and nothing of the batch has run: queue it again (ahead of
   * jobs that arrive meanwhile, which join it) after a short, jittered backoff. False once the lock
   * has been taken for longer than BUSY_GIVE_UP_MS.
   */
  private retryLater(batch: Pending[]): boolean {
    const now = Date.now();
    if (this.busySince === 0) {
      this.busySince = now;
      this.busyAttempts = 0;
    } else if (now - this.busySince > BUSY_GIVE_UP_MS) {
      return false;
    }
    this.stats.busyRetries++;
    this.queue = batch.concat(this.queue);
    const ceiling = Math.min(BUSY_MAX_BACKOFF_MS, 2 ** this.busyAttempts++);
    this.busyRetry = setTimeout(() => this.flush(), 1 + Math.random() * ceiling);
    return true;
  }
}

function isBusy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
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
