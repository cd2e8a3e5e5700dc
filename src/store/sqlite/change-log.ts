/**
 * Change notifications across processes sharing one SQLite file. Each commit appends one row per
 * touched mailbox to `change_log` (in the same transaction); every process with a bus polls
 * `PRAGMA data_version`, which moves only when ANOTHER connection committed, and then publishes the
 * rows it has not seen yet. So a message stored by `postyard deliver` (a separate process) still wakes
 * IDLE sessions in the server. The bus is not lossless by design: sessions pull from the store anyway.
 */
import type Database from 'better-sqlite3';
import type { ChangeBus, MailboxChange } from '../../bus/bus.js';
import { RateLimitedErrors } from '../../lib/rate-limited-log.js';

/** Rows kept beyond the newest; a reader further behind than this only misses wake-ups. */
const KEEP_ROWS = 10_000;
const PRUNE_EVERY_COMMITS = 500;
export const DEFAULT_POLL_MS = 200;

interface ChangeRow {
  seq: number;
  account_id: number;
  mailbox_id: number;
  modseq: number;
  structural: number;
}

export interface ChangeLogWriter {
  /** Called inside the commit's transaction. */
  record(changes: readonly MailboxChange[]): void;
}

export class ChangeLog implements ChangeLogWriter {
  private readonly insertStmt: Database.Statement;
  private readonly pruneStmt: Database.Statement;
  private readonly lastSeqStmt: Database.Statement<[], number | null>;
  private readonly sinceStmt: Database.Statement<[number, number], ChangeRow>;
  private readonly dataVersion: () => number;
  /** Highest seq this process has published or written itself. */
  private lastSeen: number;
  private lastDataVersion: number;
  private commits = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    db: Database.Database,
    private readonly bus: Pick<ChangeBus, 'publish'> | undefined,
    private readonly errors = new RateLimitedErrors(undefined),
  ) {
    this.insertStmt = db.prepare(
      'INSERT INTO change_log (account_id, mailbox_id, modseq, structural) VALUES (?, ?, ?, ?)',
    );
    this.pruneStmt = db.prepare(
      `DELETE FROM change_log WHERE seq <= (SELECT max(seq) FROM change_log) - ${KEEP_ROWS}`,
    );
    this.lastSeqStmt = db.prepare<[], number | null>('SELECT max(seq) FROM change_log').pluck();
    this.sinceStmt = db.prepare(
      'SELECT seq, account_id, mailbox_id, modseq, structural FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?',
    );
    const dataVersionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
    this.dataVersion = () => dataVersionStmt.get()!;
    this.lastSeen = this.lastSeqStmt.get() ?? 0;
    this.lastDataVersion = this.dataVersion();
  }

  record(changes: readonly MailboxChange[]): void {
    let first = 0;
    let last = 0;
    for (const change of changes) {
      const info = this.insertStmt.run(
        change.accountId,
        change.mailboxId,
        change.modseq,
        change.structural ? 1 : 0,
      );
      last = Number(info.lastInsertRowid);
      if (first === 0) first = last;
    }
    // We hold the write lock, so our rows are contiguous; skip them only if nothing foreign is unread.
    if (first === this.lastSeen + 1) this.lastSeen = last;
    if (++this.commits % PRUNE_EVERY_COMMITS === 0) this.pruneStmt.run();
  }

  /** Starts watching for other processes' commits (only useful with a bus). */
  start(intervalMs = DEFAULT_POLL_MS): void {
    if (!this.bus || this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.poll();
      } catch (err) {
        // E.g. SQLITE_BUSY past busy_timeout: the next tick retries; sessions also catch up on commands.
        this.errors.report('watching other processes for changes failed', err);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Publishes changes committed by other connections since the last poll. */
  poll(): void {
    if (!this.bus) return;
    const version = this.dataVersion();
    if (version === this.lastDataVersion) return;
    this.lastDataVersion = version;
    for (;;) {
      const rows = this.sinceStmt.all(this.lastSeen, 1000);
      for (const row of rows) {
        const change: MailboxChange = {
          accountId: row.account_id,
          mailboxId: row.mailbox_id,
          modseq: row.modseq,
        };
        if (row.structural) change.structural = true;
        this.bus.publish(change);
        this.lastSeen = row.seq;
      }
      if (rows.length < 1000) break;
    }
  }
}
