/**
 * The outgoing queue's rows: queue_messages (one per accepted message, holding its blob) and
 * queue_recipients (one per recipient, with its own state and retry time). Writes run inside group
 * committer jobs, so an enqueue is durable before the SMTP 250 that acknowledges it.
 */
import type Database from 'better-sqlite3';
import { BadInputError, NotFoundError, TempError } from '../../lib/errors.js';
import type {
  AttemptOutcome,
  DsnNotify,
  EnqueueRequest,
  QueuedMessage,
  QueueRecipient,
  QueueRecipientState,
  QueueSummary,
} from '../store.js';
import type { BlobKeeper } from './message-writes.js';

interface QueueMessageRow {
  id: number;
  blob_id: string;
  size: number;
  sender: string;
  ret: string | null;
  envid: string | null;
  created_at: number;
  warned_at: number | null;
}

interface QueueRecipientRow {
  message_id: number;
  address: string;
  domain: string;
  notify: string | null;
  orcpt: string | null;
  state: string;
  attempts: number;
  next_attempt: number;
  last_attempt: number | null;
  last_reply: string | null;
}

const BLOB_ID = /^[0-9a-f]{64}$/;
const NOTIFY = new Set<DsnNotify>(['SUCCESS', 'FAILURE', 'DELAY', 'NEVER']);

export class QueueRepo {
  private readonly insertMessageStmt: Database.Statement;
  private readonly insertRecipientStmt: Database.Statement;
  private readonly messageStmt: Database.Statement<[number], QueueMessageRow>;
  private readonly recipientsStmt: Database.Statement<[number], QueueRecipientRow>;
  private readonly listStmt: Database.Statement<[number], QueueMessageRow>;
  private readonly dueStmt: Database.Statement<[number, number, number], QueueMessageRow>;
  private readonly nextStmt: Database.Statement<[], number | null>;
  private readonly updateRecipientStmt: Database.Statement;
  private readonly waitingStmt: Database.Statement<[number], number>;
  private readonly deleteStmt: Database.Statement;
  private readonly warnedStmt: Database.Statement;
  private readonly rescheduleOneStmt: Database.Statement;
  private readonly rescheduleAllStmt: Database.Statement;
  private readonly summaryStmt: Database.Statement<[], QueueSummary>;

  constructor(
    db: Database.Database,
    private readonly blobs: BlobKeeper,
  ) {
    this.insertMessageStmt = db.prepare(
      `INSERT INTO queue_messages (blob_id, size, sender, ret, envid, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.insertRecipientStmt = db.prepare(
      `INSERT OR IGNORE INTO queue_recipients (message_id, address, domain, notify, orcpt, next_attempt)
       VALUES (?, ?, ?, ?, ?, ?)`,
    );
    this.messageStmt = db.prepare('SELECT * FROM queue_messages WHERE id = ?');
    this.recipientsStmt = db.prepare('SELECT * FROM queue_recipients WHERE message_id = ? ORDER BY rowid');
    this.listStmt = db.prepare('SELECT * FROM queue_messages ORDER BY id LIMIT ?');
    this.dueStmt = db.prepare(
      `SELECT m.* FROM queue_messages AS m WHERE m.id > ? AND EXISTS (
         SELECT 1 FROM queue_recipients AS r
         WHERE r.message_id = m.id AND r.state = 'queued' AND r.next_attempt <= ?)
       ORDER BY m.id LIMIT ?`,
    );
    this.nextStmt = db
      .prepare<[], number | null>("SELECT min(next_attempt) FROM queue_recipients WHERE state = 'queued'")
      .pluck();
    this.updateRecipientStmt = db.prepare(
      `UPDATE queue_recipients SET state = ?, attempts = attempts + 1, next_attempt = ?, last_attempt = ?,
         last_reply = ? WHERE message_id = ? AND address = ? AND state = 'queued'`,
    );
    this.waitingStmt = db
      .prepare<[number], number>(
        "SELECT count(*) FROM queue_recipients WHERE message_id = ? AND state = 'queued'",
      )
      .pluck();
    this.deleteStmt = db.prepare('DELETE FROM queue_messages WHERE id = ?');
    this.warnedStmt = db.prepare('UPDATE queue_messages SET warned_at = ? WHERE id = ?');
    this.rescheduleOneStmt = db.prepare(
      "UPDATE queue_recipients SET next_attempt = ? WHERE message_id = ? AND state = 'queued'",
    );
    this.rescheduleAllStmt = db.prepare(
      "UPDATE queue_recipients SET next_attempt = ? WHERE state = 'queued'",
    );
    this.summaryStmt = db.prepare(
      `SELECT (SELECT count(*) FROM queue_messages) AS messages,
         (SELECT count(*) FROM queue_recipients WHERE state = 'queued') AS recipients,
         (SELECT coalesce(sum(size), 0) FROM queue_messages) AS bytes,
         (SELECT min(created_at) FROM queue_messages) AS oldest`,
    );
  }

  /** Inside a write job: the blob is checked under the write lock, as message-writes.ts does. */
  insert(request: EnqueueRequest, now: number): QueuedMessage {
    validate(request);
    if (!this.blobs.ensurePresentSync(request.blob)) {
      throw new TempError(`Blob ${request.blob.id} was removed before the message was queued`);
    }
    const info = this.insertMessageStmt.run(
      request.blob.id,
      request.blob.size,
      request.sender,
      request.ret ?? null,
      request.envid ?? null,
      now,
    );
    const id = Number(info.lastInsertRowid);
    for (const r of request.recipients) {
      const notify = r.notify && r.notify.length > 0 ? r.notify.join(',') : null;
      this.insertRecipientStmt.run(id, r.address, domainOf(r.address), notify, r.orcpt ?? null, now);
    }
    return this.get(id)!;
  }

  get(id: number): QueuedMessage | null {
    const row = this.messageStmt.get(id);
    return row ? this.toMessage(row) : null;
  }

  list(limit: number): QueuedMessage[] {
    return this.listStmt.all(limit).map((row) => this.toMessage(row));
  }

  due(now: number, limit: number, afterId: number): QueuedMessage[] {
    return this.dueStmt.all(afterId, now, limit).map((row) => this.toMessage(row));
  }

  nextAttempt(): number | null {
    return this.nextStmt.get() ?? null;
  }

  /** Inside a write job. */
  record(id: number, outcomes: readonly AttemptOutcome[], now: number): QueuedMessage | null {
    if (!this.messageStmt.get(id)) return null;
    for (const o of outcomes) {
      const state: QueueRecipientState = o.outcome === 'deferred' ? 'queued' : o.outcome;
      const next = o.outcome === 'deferred' ? (o.nextAttempt ?? now) : now;
      this.updateRecipientStmt.run(state, next, now, o.reply.slice(0, 1000), id, o.address);
    }
    if (this.waitingStmt.get(id) === 0) {
      this.deleteStmt.run(id);
      return null;
    }
    return this.get(id);
  }

  markWarned(id: number, at: number): void {
    this.warnedStmt.run(at, id);
  }

  reschedule(id: number | null, at: number): number {
    if (id === null) return this.rescheduleAllStmt.run(at).changes;
    if (!this.messageStmt.get(id)) throw new NotFoundError(`No queued message ${id}`, { public: true });
    return this.rescheduleOneStmt.run(at, id).changes;
  }

  remove(id: number): void {
    if (this.deleteStmt.run(id).changes === 0) {
      throw new NotFoundError(`No queued message ${id}`, { public: true });
    }
  }

  summary(): QueueSummary {
    return this.summaryStmt.get()!;
  }

  private toMessage(row: QueueMessageRow): QueuedMessage {
    return {
      id: row.id,
      blob: { id: row.blob_id, size: row.size },
      sender: row.sender,
      ret: row.ret === 'FULL' || row.ret === 'HDRS' ? row.ret : null,
      envid: row.envid,
      createdAt: row.created_at,
      warnedAt: row.warned_at,
      recipients: this.recipientsStmt.all(row.id).map(toRecipient),
    };
  }
}

function toRecipient(row: QueueRecipientRow): QueueRecipient {
  return {
    address: row.address,
    domain: row.domain,
    notify: row.notify ? (row.notify.split(',') as DsnNotify[]) : [],
    orcpt: row.orcpt,
    state: row.state as QueueRecipientState,
    attempts: row.attempts,
    nextAttempt: row.next_attempt,
    lastAttempt: row.last_attempt,
    lastReply: row.last_reply,
  };
}

function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at === -1 ? '' : address.slice(at + 1).toLowerCase();
}

function validate(request: EnqueueRequest): void {
  if (!BLOB_ID.test(request.blob.id) || !Number.isSafeInteger(request.blob.size) || request.blob.size < 0) {
    throw new BadInputError('Invalid blob reference');
  }
  if (request.recipients.length === 0) throw new BadInputError('A queued message needs a recipient');
  for (const r of request.recipients) {
    if (domainOf(r.address) === '') throw new BadInputError(`Recipient ${r.address} has no domain`);
    if (r.notify?.some((n) => !NOTIFY.has(n))) throw new BadInputError('Invalid NOTIFY');
  }
}
