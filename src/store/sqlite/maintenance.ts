/**
 * Maintenance: retention, blob garbage collection and the integrity check (`postyard doctor`).
 * Mutations go through the normal write path, so sessions get EXPUNGE and the expunge log is written.
 */
import type Database from 'better-sqlite3';
import type { FileBlobStore } from '../blobs.js';
import type { IntegrityProblem, IntegrityReport } from '../store.js';
import type { GroupCommitter } from './committer.js';
import type { MessageWriter } from './message-writes.js';

/** A blob younger than this may belong to a delivery whose metadata is not committed yet. */
export const DEFAULT_GC_GRACE_MS = 15 * 60 * 1000;
/** The integrity check reports unreferenced blobs only from this age on (and may remove them). */
const ORPHAN_AGE_MS = 60 * 1000;
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
    private readonly blobs: FileBlobStore,
    private readonly committer: GroupCommitter,
    private readonly messages: MessageWriter,
  ) {
    this.retentionStmt = db.prepare(
      `SELECT m.mailbox_id, m.uid FROM accounts AS a
       JOIN mailboxes AS b ON b.account_id = a.id AND b.name = 'INBOX'
       JOIN messages AS m ON m.mailbox_id = b.id
       WHERE a.retention_days IS NOT NULL AND m.internal_date < ? - a.retention_days * ${DAY_MS}
       ORDER BY m.mailbox_id, m.uid`,
    );
    this.referencedStmt = db
      .prepare<[string], number>('SELECT 1 FROM messages WHERE blob_id = ? LIMIT 1')
      .pluck();
    this.dropUnusedMetaStmt = db.prepare(
      'DELETE FROM message_meta WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.blob_id = message_meta.blob_id)',
    );
    this.blobUseStmt = db.prepare(
      'SELECT blob_id, min(size) AS min_size, max(size) AS max_size FROM messages GROUP BY blob_id',
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

  async collectGarbage(graceMs = DEFAULT_GC_GRACE_MS): Promise<number> {
    let removed = 0;
    for await (const id of this.blobs.list()) {
      if (await this.blobs.removeIfStale(id, graceMs, () => this.referencedStmt.get(id) === undefined))
        removed++;
    }
    await this.blobs.removeStaleTemp(graceMs);
    await this.committer.submit(() => this.dropUnusedMetaStmt.run());
    return removed;
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
    for await (const id of this.blobs.list()) {
      checkedBlobs++;
      if (referenced.has(id)) continue;
      // A young unreferenced blob is most likely a delivery in flight, not a problem.
      if (((await this.blobs.ageMs(id)) ?? 0) < ORPHAN_AGE_MS) continue;
      const fixed =
        repair &&
        (await this.blobs.removeIfStale(id, ORPHAN_AGE_MS, () => this.referencedStmt.get(id) === undefined));
      report(
        { kind: 'orphan-blob', detail: `blob ${id} is not referenced by any message`, repairable: true },
        fixed,
      );
    }

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

    return { checkedMessages: this.messageCountStmt.get()!, checkedBlobs, problems, repaired };
  }
}
