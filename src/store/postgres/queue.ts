/** The outgoing queue (store.ts "Outgoing queue") in PostgreSQL; writes run in the caller's transaction. */
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
import type { PostgresBlobs } from './blob-backend.js';
import { row, rows, type Sql } from './db.js';
import { holdBlobs } from './message-writes.js';

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
  constructor(private readonly blobs: PostgresBlobs) {}

  async insert(sql: Sql, request: EnqueueRequest, now: number): Promise<QueuedMessage> {
    validate(request);
    await holdBlobs(sql);
    if (!(await this.blobs.ensurePresent(sql, request.blob))) {
      throw new TempError(`Blob ${request.blob.id} was removed before the message was queued`);
    }
    const inserted = await row<{ id: number }>(
      sql,
      `INSERT INTO queue_messages (blob_id, size, sender, ret, envid, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id`,
      [request.blob.id, request.blob.size, request.sender, request.ret ?? null, request.envid ?? null, now],
    );
    const id = inserted!.id;
    let position = 0;
    for (const r of request.recipients) {
      const notify = r.notify && r.notify.length > 0 ? r.notify.join(',') : null;
      await sql.query(
        `INSERT INTO queue_recipients (message_id, position, address, domain, notify, orcpt, next_attempt)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
        [id, position++, r.address, domainOf(r.address), notify, r.orcpt ?? null, now],
      );
    }
    return (await this.get(sql, id))!;
  }

  async get(sql: Sql, id: number): Promise<QueuedMessage | null> {
    const r = await row<QueueMessageRow>(sql, 'SELECT * FROM queue_messages WHERE id = $1', [id]);
    return r ? this.toMessage(sql, r) : null;
  }

  async list(sql: Sql, limit: number | null): Promise<QueuedMessage[]> {
    const list = await rows<QueueMessageRow>(sql, 'SELECT * FROM queue_messages ORDER BY id LIMIT $1', [
      limit,
    ]);
    return Promise.all(list.map((r) => this.toMessage(sql, r)));
  }

  async due(sql: Sql, now: number, limit: number, afterId: number): Promise<QueuedMessage[]> {
    const list = await rows<QueueMessageRow>(
      sql,
      `SELECT m.* FROM queue_messages AS m WHERE m.id > $1 AND EXISTS (
         SELECT 1 FROM queue_recipients AS r
         WHERE r.message_id = m.id AND r.state = 'queued' AND r.next_attempt <= $2)
       ORDER BY m.id LIMIT $3`,
      [afterId, now, limit],
    );
    return Promise.all(list.map((r) => this.toMessage(sql, r)));
  }

  async nextAttempt(sql: Sql): Promise<number | null> {
    const r = await row<{ next: number | null }>(
      sql,
      "SELECT min(next_attempt) AS next FROM queue_recipients WHERE state = 'queued'",
    );
    return r?.next ?? null;
  }

  async record(
    sql: Sql,
    id: number,
    outcomes: readonly AttemptOutcome[],
    now: number,
  ): Promise<QueuedMessage | null> {
    // Locked: two nodes' runners recording attempts on one message apply them one after the other.
    if (!(await row(sql, 'SELECT 1 FROM queue_messages WHERE id = $1 FOR UPDATE', [id]))) return null;
    for (const o of outcomes) {
      const state: QueueRecipientState = o.outcome === 'deferred' ? 'queued' : o.outcome;
      const next = o.outcome === 'deferred' ? (o.nextAttempt ?? now) : now;
      await sql.query(
        `UPDATE queue_recipients SET state = $1, attempts = attempts + 1, next_attempt = $2, last_attempt = $3,
           last_reply = $4 WHERE message_id = $5 AND address = $6 AND state = 'queued'`,
        [state, next, now, o.reply.slice(0, 1000), id, o.address],
      );
    }
    const waiting = await row<{ n: number }>(
      sql,
      "SELECT count(*) AS n FROM queue_recipients WHERE message_id = $1 AND state = 'queued'",
      [id],
    );
    if (waiting!.n === 0) {
      await sql.query('DELETE FROM queue_messages WHERE id = $1', [id]);
      return null;
    }
    return this.get(sql, id);
  }

  async markWarned(sql: Sql, id: number, at: number): Promise<void> {
    await sql.query('UPDATE queue_messages SET warned_at = $1 WHERE id = $2', [at, id]);
  }

  async reschedule(sql: Sql, id: number | null, at: number): Promise<number> {
    if (id === null) {
      return (
        (await sql.query("UPDATE queue_recipients SET next_attempt = $1 WHERE state = 'queued'", [at]))
          .rowCount ?? 0
      );
    }
    if (!(await row(sql, 'SELECT 1 FROM queue_messages WHERE id = $1', [id]))) {
      throw new NotFoundError(`No queued message ${id}`, { public: true });
    }
    const result = await sql.query(
      "UPDATE queue_recipients SET next_attempt = $1 WHERE message_id = $2 AND state = 'queued'",
      [at, id],
    );
    return result.rowCount ?? 0;
  }

  async remove(sql: Sql, id: number): Promise<void> {
    const result = await sql.query('DELETE FROM queue_messages WHERE id = $1', [id]);
    if (result.rowCount === 0) throw new NotFoundError(`No queued message ${id}`, { public: true });
  }

  async summary(sql: Sql): Promise<QueueSummary> {
    return (await row<QueueSummary>(
      sql,
      `SELECT (SELECT count(*) FROM queue_messages) AS messages,
         (SELECT count(*) FROM queue_recipients WHERE state = 'queued') AS recipients,
         (SELECT coalesce(sum(size), 0)::bigint FROM queue_messages) AS bytes,
         (SELECT min(created_at) FROM queue_messages) AS oldest`,
    ))!;
  }

  private async toMessage(sql: Sql, r: QueueMessageRow): Promise<QueuedMessage> {
    const recipients = await rows<QueueRecipientRow>(
      sql,
      'SELECT * FROM queue_recipients WHERE message_id = $1 ORDER BY position',
      [r.id],
    );
    return {
      id: r.id,
      blob: { id: r.blob_id, size: r.size },
      sender: r.sender,
      ret: r.ret === 'FULL' || r.ret === 'HDRS' ? r.ret : null,
      envid: r.envid,
      createdAt: r.created_at,
      warnedAt: r.warned_at,
      recipients: recipients.map(toRecipient),
    };
  }
}

function toRecipient(r: QueueRecipientRow): QueueRecipient {
  return {
    address: r.address,
    domain: r.domain,
    notify: r.notify ? (r.notify.split(',') as DsnNotify[]) : [],
    orcpt: r.orcpt,
    state: r.state as QueueRecipientState,
    attempts: r.attempts,
    nextAttempt: r.next_attempt,
    lastAttempt: r.last_attempt,
    lastReply: r.last_reply,
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
