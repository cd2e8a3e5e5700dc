/**
 * Maintenance: retention, blob garbage collection and the integrity check (`postyard doctor`).
 * Mutations go through the normal write path, so sessions get EXPUNGE and the expunge log is written.
 *
 * Garbage collection is safe against deliveries in other processes (`postyard deliver`, `import`): a
 * blob is moved away only inside a write transaction that has just seen it unreferenced (by a message or
 * a queued outgoing message), and a message or queue row is inserted only inside a write transaction
 * that has just seen its blob present (message-writes.ts, queue.ts).
 * SQLite's write lock orders the two, so whichever commits second sees what the first did.
 */
import type Database from 'better-sqlite3';
import type { GarbageReport, IntegrityProblem, IntegrityReport, UnreferencedBlobs } from '../store.js';
import type { GroupCommitter } from './committer.js';
import type { SqliteBlobStore } from './inline-blobs.js';
import type { MessageWriter } from './message-writes.js';
import type { SearchIndex } from './search-index.js';
import type { SortTable } from './sort-table.js';

/**
 * A blob written or reused (put() refreshes its mtime) more recently than this may belong to a delivery
 * whose message is not committed yet: collection leaves it alone.
 */
export const DEFAULT_GC_GRACE_MS = 15 * 60 * 1000;
/**
 * A temp file is a put in progress (each write refreshes its mtime) until it has not been written for
 * this long; only then is it a crashed put's leftover. Independent of the grace period, which callers
 * may shorten (a forced collection must not break deliveries that are still writing).
 */
const STALE_TEMP_MS = 60 * 60 * 1000;
/** Blobs moved to the trash per write transaction, so the write lock is held only briefly. */
const SWEEP_BATCH = 256;
const DAY_MS = 24 * 60 * 60 * 1000;

interface BlobUse {
  blob_id: string;
  min_size: number;
  max_size: number;
}

interface MailboxCounters {
  id: number;
  account_id: number;
  name: string;
  uid_next: number;
  highest_modseq: number;
  max_uid: number;
  max_modseq: number;
}

interface UsageCheck {
  account_id: number;
  login: string;
  bytes: number;
  messages: number;
  actual_bytes: number;
  actual_messages: number;
}

export class Maintenance {
  private readonly retentionStmt: Database.Statement<[number], { mailbox_id: number; uid: number }>;
  private readonly referencedStmt: Database.Statement<[string], number>;
  private readonly dropUnusedMetaStmt: Database.Statement;
  private readonly blobUseStmt: Database.Statement<[], BlobUse>;
  private readonly countersStmt: Database.Statement<[], MailboxCounters>;
  private readonly usageStmt: Database.Statement<[], UsageCheck>;
  private readonly messageCountStmt: Database.Statement<[], number>;
  private readonly fixCountersStmt: Database.Statement;
  private readonly fixUsageStmt: Database.Statement;

  constructor(
    db: Database.Database,
    private readonly blobs: SqliteBlobStore,
    private readonly committer: GroupCommitter,
    private readonly messages: MessageWriter,
    private readonly searchIndex: SearchIndex,
    private readonly sortTable: SortTable,
  ) {
    this.retentionStmt = db.prepare(
      `SELECT m.mailbox_id, m.uid FROM accounts AS a
       JOIN mailboxes AS b ON b.account_id = a.id AND b.name = 'INBOX'
       JOIN messages AS m ON m.mailbox_id = b.id
       WHERE a.retention_days IS NOT NULL AND m.save_date < ? - a.retention_days * ${DAY_MS}
       ORDER BY m.mailbox_id, m.uid`,
    );
    // A blob is in use while a message or a queued outgoing message refers to it.
    this.referencedStmt = db
      .prepare<[string], number>(
        `SELECT 1 FROM (SELECT ? AS id) AS b
         WHERE EXISTS (SELECT 1 FROM messages WHERE blob_id = b.id)
           OR EXISTS (SELECT 1 FROM queue_messages WHERE blob_id = b.id)`,
      )
      .pluck();
    this.dropUnusedMetaStmt = db.prepare(
      'DELETE FROM message_meta WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.blob_id = message_meta.blob_id)',
    );
    this.blobUseStmt = db.prepare(
      `SELECT blob_id, min(size) AS min_size, max(size) AS max_size FROM (
         SELECT blob_id, size FROM messages UNION ALL SELECT blob_id, size FROM queue_messages)
       GROUP BY blob_id`,
    );
    this.countersStmt = db.prepare(
      `SELECT b.id, b.account_id, b.name, b.uid_next, b.highest_modseq,
         max(coalesce((SELECT max(uid) FROM messages WHERE mailbox_id = b.id), 0),
             coalesce((SELECT max(uid) FROM expunged WHERE mailbox_id = b.id), 0)) AS max_uid,
         max(coalesce((SELECT max(modseq) FROM messages WHERE mailbox_id = b.id), 0),
             coalesce((SELECT max(modseq) FROM expunged WHERE mailbox_id = b.id), 0)) AS max_modseq
       FROM mailboxes AS b`,
    );
    this.usageStmt = db.prepare(
      `SELECT a.id AS account_id, a.login, coalesce(u.bytes, 0) AS bytes, coalesce(u.messages, 0) AS messages,
         coalesce(sum(m.size), 0) AS actual_bytes, count(m.uid) AS actual_messages
       FROM accounts AS a
       LEFT JOIN quota_usage AS u ON u.account_id = a.id
       LEFT JOIN mailboxes AS b ON b.account_id = a.id
       LEFT JOIN messages AS m ON m.mailbox_id = b.id
       GROUP BY a.id`,
    );
    this.messageCountStmt = db.prepare<[], number>('SELECT count(*) FROM messages').pluck();
    this.fixCountersStmt = db.prepare(
      'UPDATE mailboxes SET uid_next = max(uid_next, ?), highest_modseq = max(highest_modseq, ?) WHERE id = ?',
    );
    this.fixUsageStmt = db.prepare(
      `INSERT INTO quota_usage (account_id, bytes, messages) VALUES (?, ?, ?)
       ON CONFLICT (account_id) DO UPDATE SET bytes = excluded.bytes, messages = excluded.messages`,
    );
  }

  async applyRetention(now: Date): Promise<number> {
    const byMailbox = new Map<number, number[]>();
    for (const row of this.retentionStmt.all(now.getTime())) {
      const list = byMailbox.get(row.mailbox_id) ?? [];
      list.push(row.uid);
      byMailbox.set(row.mailbox_id, list);
    }
    const removed = await Promise.all(
      [...byMailbox].map(([mailboxId, uids]) =>
        this.committer.submit((ctx) => this.messages.expunge(mailboxId, { uids, force: true }, ctx)),
      ),
    );
    return removed.reduce((sum, uids) => sum + uids.length, 0);
  }

  async collectGarbage(graceMs = DEFAULT_GC_GRACE_MS): Promise<GarbageReport> {
    const report: GarbageReport = { removed: 0, freedBytes: 0, waiting: 0, waitingBytes: 0 };
    let batch: string[] = [];
    const sweep = async () => {
      const ids = batch;
      batch = [];
      const now = Date.now();
      await this.committer.submit(() => {
        for (const id of ids) {
          if (this.referencedStmt.get(id) !== undefined) continue;
          const freed = this.blobs.moveToTrashSync(id, graceMs, now);
          if (freed === null) continue;
          report.removed++;
          report.freedBytes += freed;
        }
      });
    };
    for await (const id of this.blobs.list()) {
      if (this.referencedStmt.get(id) !== undefined) continue;
      batch.push(id);
      if (batch.length >= SWEEP_BATCH) await sweep();
    }
    if (batch.length > 0) await sweep();
    await this.blobs.emptyTrash();
    await this.blobs.removeStaleTemp(STALE_TEMP_MS);
    await this.committer.submit(() => {
      this.searchIndex.dropUnused();
      this.dropUnusedMetaStmt.run();
    });
    const left = await this.unreferenced(graceMs);
    report.waiting = left.waiting + left.collectable;
    report.waitingBytes = left.waitingBytes + left.collectableBytes;
    return report;
  }

  /** Unreferenced blobs on disk, split by the grace period (reads only). */
  private async unreferenced(graceMs: number, referenced?: Set<string>): Promise<UnreferencedBlobs> {
    const result: UnreferencedBlobs = { waiting: 0, waitingBytes: 0, collectable: 0, collectableBytes: 0 };
    for await (const id of this.blobs.list()) {
      if (referenced ? referenced.has(id) : this.referencedStmt.get(id) !== undefined) continue;
      const info = await this.blobs.stat(id);
      if (!info) continue;
      if (Date.now() - info.mtimeMs < graceMs) {
        result.waiting++;
        result.waitingBytes += info.size;
      } else {
        result.collectable++;
        result.collectableBytes += info.size;
      }
    }
    return result;
  }

  async checkIntegrity(repair: boolean): Promise<IntegrityReport> {
    const problems: IntegrityProblem[] = [];
    let repaired = 0;
    const report = (problem: IntegrityProblem, fixed = false) => {
      problems.push(problem);
      if (fixed) repaired++;
    };

    const uses = this.blobUseStmt.all();
    const referenced = new Set<string>();
    for (const use of uses) {
      referenced.add(use.blob_id);
      const size = await this.blobs.size(use.blob_id);
      if (size === null) {
        report({
          kind: 'missing-blob',
          detail: `blob ${use.blob_id} is referenced but missing`,
          repairable: false,
        });
      } else if (size !== use.min_size || size !== use.max_size) {
        report({
          kind: 'blob-size-mismatch',
          detail: `blob ${use.blob_id} has ${size} bytes, messages say ${use.min_size}..${use.max_size}`,
          repairable: false,
        });
      }
    }

    let checkedBlobs = 0;
    for await (const _ of this.blobs.list()) checkedBlobs++;
    const unreferenced = await this.unreferenced(DEFAULT_GC_GRACE_MS, referenced);

    await this.committer.submit(() => {
      for (const mailbox of this.countersStmt.all()) {
        const where = `mailbox ${mailbox.name} (id ${mailbox.id}, account ${mailbox.account_id})`;
        const uidTooLow = mailbox.uid_next <= mailbox.max_uid;
        const modseqTooLow = mailbox.highest_modseq < mailbox.max_modseq;
        if (uidTooLow) {
          report(
            {
              kind: 'uidnext-too-low',
              detail: `${where}: UIDNEXT ${mailbox.uid_next} <= UID ${mailbox.max_uid}`,
              repairable: true,
            },
            repair,
          );
        }
        if (modseqTooLow) {
          report(
            {
              kind: 'modseq-too-low',
              detail: `${where}: HIGHESTMODSEQ ${mailbox.highest_modseq} < MODSEQ ${mailbox.max_modseq}`,
              repairable: true,
            },
            repair,
          );
        }
        if (repair && (uidTooLow || modseqTooLow)) {
          this.fixCountersStmt.run(mailbox.max_uid + 1, mailbox.max_modseq, mailbox.id);
        }
      }
      for (const usage of this.usageStmt.all()) {
        if (usage.bytes === usage.actual_bytes && usage.messages === usage.actual_messages) continue;
        report(
          {
            kind: 'quota-usage-mismatch',
            detail: `account ${usage.login}: usage says ${usage.bytes} bytes/${usage.messages} messages, actual ${usage.actual_bytes}/${usage.actual_messages}`,
            repairable: true,
          },
          repair,
        );
        if (repair) this.fixUsageStmt.run(usage.account_id, usage.actual_bytes, usage.actual_messages);
      }
    });

    const missingSortKeys = this.sortTable.missing();
    if (missingSortKeys > 0) {
      report(
        { kind: 'missing-sort-keys', detail: sortKeysDetail(missingSortKeys), repairable: true },
        repair,
      );
      if (repair) await this.committer.submit(() => this.sortTable.fillMissing());
    }

    const collected = repair ? await this.collectGarbage() : undefined;
    const searchIndex = await this.checkSearchIndex(repair);
    return {
      checkedMessages: this.messageCountStmt.get()!,
      checkedBlobs,
      problems,
      repaired,
      unreferenced,
      ...(collected ? { collected } : {}),
      searchIndex,
    };
  }

  /** Index rows missing or left over, or a rebuild that never finished: with repair, rebuilt. */
  private async checkSearchIndex(repair: boolean): Promise<NonNullable<IntegrityReport['searchIndex']>> {
    const state = this.searchIndex.state();
    if (!repair || (state.missing === 0 && state.extra === 0 && !state.stale)) return state;
    const rebuilt = await this.searchIndex.rebuild((job) => this.committer.submit(job));
    return { ...state, rebuilt };
  }
}

/** The doctor's line for message content without SORT/THREAD keys (both backends). */
export function sortKeysDetail(missing: number): string {
  return `${missing} stored messages have no SORT/THREAD keys (computed from their header text on each SORT)`;
}
