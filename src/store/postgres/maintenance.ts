/**
 * Retention, blob garbage collection and the integrity check, as in sqlite/maintenance.ts. Garbage
 * collection is safe against deliveries on every node: blobs are moved away only while holding BLOB_LOCK
 * exclusively, inside a transaction that has just seen them unreferenced, and writers check a blob's
 * presence while holding it shared (message-writes.ts), so whichever commits second sees the first.
 * With file blobs (store.blobs "files"), every node must see the same blob directory (a shared
 * filesystem); database blobs (database-blobs.ts) are removed by the collector's own transaction.
 */
import type pg from 'pg';
import { DEFAULT_GC_GRACE_MS, sortKeysDetail } from '../sqlite/maintenance.js';
import type { GarbageReport, IntegrityProblem, IntegrityReport, UnreferencedBlobs } from '../store.js';
import type { PostgresBlobs } from './blob-backend.js';
import { row, rows, type Sql, transaction } from './db.js';
import { BLOB_LOCK } from './message-writes.js';
import { fillMissingSortRows, missingSortRows } from './sort-table.js';

const STALE_TEMP_MS = 60 * 60 * 1000;
const SWEEP_BATCH = 256;
const DAY_MS = 24 * 60 * 60 * 1000;

const REFERENCED = `SELECT EXISTS (SELECT 1 FROM messages WHERE blob_id = $1)
  OR EXISTS (SELECT 1 FROM queue_messages WHERE blob_id = $1) AS used`;

async function referenced(sql: Sql, id: string): Promise<boolean> {
  return (await row<{ used: boolean }>(sql, REFERENCED, [id]))!.used;
}

export class Maintenance {
  constructor(
    private readonly pool: pg.Pool,
    private readonly blobs: PostgresBlobs,
    /** Expunges `uids` (forced) from one mailbox through the store's normal write path. */
    private readonly expunge: (mailboxId: number, uids: number[]) => Promise<number[]>,
  ) {}

  async applyRetention(now: Date): Promise<number> {
    const list = await rows<{ mailbox_id: number; uid: number }>(
      this.pool,
      `SELECT m.mailbox_id, m.uid FROM accounts AS a
       JOIN mailboxes AS b ON b.account_id = a.id AND b.name = 'INBOX'
       JOIN messages AS m ON m.mailbox_id = b.id
       WHERE a.retention_days IS NOT NULL AND m.save_date < $1 - a.retention_days * ${DAY_MS}::bigint
       ORDER BY m.mailbox_id, m.uid`,
      [now.getTime()],
    );
    const byMailbox = new Map<number, number[]>();
    for (const r of list) {
      const uids = byMailbox.get(r.mailbox_id) ?? [];
      uids.push(r.uid);
      byMailbox.set(r.mailbox_id, uids);
    }
    const removed = await Promise.all(
      [...byMailbox].map(([mailboxId, uids]) => this.expunge(mailboxId, uids)),
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
      await transaction(this.pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [BLOB_LOCK]);
        for (const id of ids) {
          if (await referenced(client, id)) continue;
          const freed = await this.blobs.moveToTrash(client, id, graceMs, now);
          if (freed === null) continue;
          report.removed++;
          report.freedBytes += freed;
        }
      });
    };
    for await (const id of this.blobs.list()) {
      if (await referenced(this.pool, id)) continue;
      batch.push(id);
      if (batch.length >= SWEEP_BATCH) await sweep();
    }
    if (batch.length > 0) await sweep();
    await this.blobs.emptyTrash();
    await this.blobs.removeStaleTemp(STALE_TEMP_MS);
    await this.pool.query(
      'DELETE FROM message_meta AS t WHERE NOT EXISTS (SELECT 1 FROM messages AS m WHERE m.blob_id = t.blob_id)',
    );
    const left = await this.unreferenced(graceMs);
    report.waiting = left.waiting + left.collectable;
    report.waitingBytes = left.waitingBytes + left.collectableBytes;
    return report;
  }

  private async unreferenced(graceMs: number, known?: Set<string>): Promise<UnreferencedBlobs> {
    const result: UnreferencedBlobs = { waiting: 0, waitingBytes: 0, collectable: 0, collectableBytes: 0 };
    for await (const id of this.blobs.list()) {
      if (known ? known.has(id) : await referenced(this.pool, id)) continue;
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

    const uses = await rows<{ blob_id: string; min_size: number; max_size: number }>(
      this.pool,
      `SELECT blob_id, min(size) AS min_size, max(size) AS max_size FROM (
         SELECT blob_id, size FROM messages UNION ALL SELECT blob_id, size FROM queue_messages) AS u
       GROUP BY blob_id`,
    );
    const known = new Set<string>();
    for (const use of uses) {
      known.add(use.blob_id);
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
    for (const blob of (await this.blobs.damagedBlobs?.()) ?? []) {
      report({
        kind: 'blob-size-mismatch',
        detail:
          blob.size === null
            ? `${blob.stored} bytes of chunks in the database belong to no blob ${blob.id}`
            : `blob ${blob.id}: its chunks in the database hold ${blob.stored} bytes, its row says ${blob.size}`,
        repairable: false,
      });
    }
    let checkedBlobs = 0;
    for await (const _ of this.blobs.list()) checkedBlobs++;
    const unreferenced = await this.unreferenced(DEFAULT_GC_GRACE_MS, known);

    await transaction(this.pool, async (client) => {
      const counters = await rows<{
        id: number;
        account_id: number;
        name: string;
        uid_next: number;
        highest_modseq: number;
        max_uid: number;
        max_modseq: number;
      }>(
        client,
        `SELECT b.id, b.account_id, b.name, b.uid_next, b.highest_modseq,
           greatest(coalesce((SELECT max(uid) FROM messages WHERE mailbox_id = b.id), 0),
                    coalesce((SELECT max(uid) FROM expunged WHERE mailbox_id = b.id), 0)) AS max_uid,
           greatest(coalesce((SELECT max(modseq) FROM messages WHERE mailbox_id = b.id), 0),
                    coalesce((SELECT max(modseq) FROM expunged WHERE mailbox_id = b.id), 0)) AS max_modseq
         FROM mailboxes AS b ORDER BY b.id FOR UPDATE OF b`,
      );
      for (const mailbox of counters) {
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
          await client.query(
            `UPDATE mailboxes SET uid_next = greatest(uid_next, $1), highest_modseq = greatest(highest_modseq, $2)
             WHERE id = $3`,
            [mailbox.max_uid + 1, mailbox.max_modseq, mailbox.id],
          );
        }
      }
      const usages = await rows<{
        account_id: number;
        login: string;
        bytes: number;
        messages: number;
        actual_bytes: number;
        actual_messages: number;
      }>(
        client,
        `SELECT a.id AS account_id, a.login, coalesce(u.bytes, 0) AS bytes, coalesce(u.messages, 0) AS messages,
           coalesce(sum(m.size), 0)::bigint AS actual_bytes, count(m.uid) AS actual_messages
         FROM accounts AS a
         LEFT JOIN quota_usage AS u ON u.account_id = a.id
         LEFT JOIN mailboxes AS b ON b.account_id = a.id
         LEFT JOIN messages AS m ON m.mailbox_id = b.id
         GROUP BY a.id, a.login, u.bytes, u.messages`,
      );
      for (const usage of usages) {
        if (usage.bytes === usage.actual_bytes && usage.messages === usage.actual_messages) continue;
        report(
          {
            kind: 'quota-usage-mismatch',
            detail: `account ${usage.login}: usage says ${usage.bytes} bytes/${usage.messages} messages, actual ${usage.actual_bytes}/${usage.actual_messages}`,
            repairable: true,
          },
          repair,
        );
        if (repair) {
          await client.query(
            `INSERT INTO quota_usage (account_id, bytes, messages) VALUES ($1, $2, $3)
             ON CONFLICT (account_id) DO UPDATE SET bytes = excluded.bytes, messages = excluded.messages`,
            [usage.account_id, usage.actual_bytes, usage.actual_messages],
          );
        }
      }
    });

    const missingSortKeys = await missingSortRows(this.pool);
    if (missingSortKeys > 0) {
      report(
        { kind: 'missing-sort-keys', detail: sortKeysDetail(missingSortKeys), repairable: true },
        repair,
      );
      if (repair) await transaction(this.pool, (client) => fillMissingSortRows(client));
    }

    const collected = repair ? await this.collectGarbage() : undefined;
    const count = await row<{ n: number }>(this.pool, 'SELECT count(*) AS n FROM messages');
    return {
      checkedMessages: count!.n,
      checkedBlobs,
      problems,
      repaired,
      unreferenced,
      ...(collected ? { collected } : {}),
    };
  }
}
