/**
 * store.blobs "postgres": message bodies in the database, so nodes need no shared filesystem. A blob is a
 * `blobs` row (id = sha256 hex, as FileBlobStore) and its bytes in `blob_chunks` of CHUNK_BYTES each
 * (schema.ts). Durable when put() resolves (its COMMIT); a small message's bytes are staged and written
 * in the delivery's own transaction instead (stage() + ensurePresent()), so the delivery is one commit.
 * A ranged read (partial FETCH, POP3 TOP) fetches only the chunks that cover the range, a few at a time,
 * so a 20 MB message is never held whole.
 *
 * Blob files under dataDir written before (store.blobs "files", or `migrate` without copying) stay
 * readable, as in sqlite/inline-blobs.ts: every read looks for a row first, then for the file. New
 * blobs always go into the database.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type pg from 'pg';
import { NotFoundError, TempError } from '../../lib/errors.js';
import { evenPieces, type FileBlobStore, rowsThenFiles } from '../blobs.js';
import type { BlobRef } from '../store.js';
import type { PostgresBlobs } from './blob-backend.js';
import { row, rows, type Sql, transaction } from './db.js';

/** Bytes per blob_chunks row: big enough that a message is a few rows, small enough to read ranges cheaply. */
export const CHUNK_BYTES = 256 * 1024;
/**
 * Largest blob stage() writes in the delivery's transaction. That write happens while the mailbox row is
 * locked (after the append statement), so big bodies take the put() path and their own commit instead.
 */
export const DEFAULT_STAGE_MAX_BYTES = 1024 * 1024;
/** Chunks fetched per query by a ranged read: 1 MB in flight at most. */
const CHUNKS_PER_READ = 4;
/** A buffer up to this many chunks is written by one statement; a bigger one chunk by chunk. */
const CHUNKS_PER_STATEMENT = 16;

interface BlobRow {
  size: number;
  chunk_bytes: number;
}

export class DatabaseBlobStore implements PostgresBlobs {
  constructor(
    private readonly pool: pg.Pool,
    /** Blob files under dataDir from before (read, listed and collected; never written). */
    readonly files: FileBlobStore,
    readonly stageMaxBytes = DEFAULT_STAGE_MAX_BYTES,
  ) {}

  stage(data: Buffer): BlobRef | null {
    if (data.length > this.stageMaxBytes) return null;
    return { id: sha256(data), size: data.length, inline: data };
  }

  /** Durable on return: its own transaction, committed. Dedup refreshes written_at (the grace clock). */
  put(data: Buffer | Readable): Promise<BlobRef> {
    let started = false;
    return transaction(this.pool, async (client) => {
      // transaction() retries a deadlocked body; a stream cannot be read twice (and nothing here waits
      // on a lock another transaction holds while waiting on ours).
      if (started) throw new TempError('Blob write was interrupted');
      started = true;
      return writeBlob(client, data, Date.now());
    });
  }

  async ensurePresent(sql: Sql, ref: BlobRef): Promise<boolean> {
    if (ref.inline) {
      // written_at 0: committed with its message, it needs no grace period (see moveToTrash).
      await writeChunks(sql, ref, ref.inline, 0);
      return true;
    }
    const found = await row(sql, 'SELECT 1 FROM blobs WHERE id = $1', [ref.id]);
    return found !== undefined || this.files.isPresentSync(ref.id);
  }

  /** One round trip: the row and every chunk. */
  async read(id: string): Promise<Buffer> {
    const chunks = await rows<{ size: number; data: Buffer | null }>(this.pool, READ_WHOLE, [id]);
    const size = chunks[0]?.size;
    if (size === undefined) return this.files.read(id);
    const parts = chunks.flatMap((c) => (c.data ? [c.data] : []));
    if (parts.reduce((sum, part) => sum + part.length, 0) !== size) throw damaged(id);
    return Buffer.concat(parts, size);
  }

  stream(id: string, start = 0, end?: number): Readable {
    if (end !== undefined && end <= start) return Readable.from([]);
    return Readable.from(this.chunksOf(id, start, end), { objectMode: false });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.size(id)) !== null;
  }

  async size(id: string): Promise<number | null> {
    return (await this.blobRow(id))?.size ?? this.files.size(id);
  }

  async stat(id: string): Promise<{ size: number; mtimeMs: number } | null> {
    const found = await row<{ size: number; written_at: number }>(
      this.pool,
      'SELECT size, written_at FROM blobs WHERE id = $1',
      [id],
    );
    return found ? { size: found.size, mtimeMs: found.written_at } : this.files.stat(id);
  }

  async remove(id: string): Promise<void> {
    await transaction(this.pool, (client) => deleteBlob(client, id, Number.MAX_SAFE_INTEGER));
    await this.files.remove(id);
  }

  /**
   * A row written with its message (staged, written_at 0) needs no grace period: a delivery in flight
   * that uses the same bytes carries them and writes the row again in its own transaction. A put() row
   * waits out the grace period, as a file does: its message may be about to commit.
   */
  async moveToTrash(sql: Sql, id: string, graceMs: number, now: number): Promise<number | null> {
    const freed = await deleteBlob(sql, id, now - graceMs);
    const fileSize = this.files.moveToTrashSync(id, graceMs, now);
    return freed ?? fileSize;
  }

  emptyTrash(): Promise<void> {
    return this.files.emptyTrash();
  }

  /** A crashed put leaves nothing in the database (its transaction rolls back); files may have temps. */
  removeStaleTemp(graceMs: number): Promise<number> {
    return this.files.removeStaleTemp(graceMs);
  }

  list(): AsyncIterable<string> {
    const idsAfter = async (after: string, limit: number) =>
      (
        await rows<{ id: string }>(this.pool, 'SELECT id FROM blobs WHERE id > $1 ORDER BY id LIMIT $2', [
          after,
          limit,
        ])
      ).map((r) => r.id);
    return rowsThenFiles(idsAfter, async (id) => (await this.blobRow(id)) !== undefined, this.files);
  }

  /**
   * Blobs whose chunks do not add up to their size, and chunks of no blob (doctor): neither can come
   * from a committed put, so either means damage or a hand edit.
   */
  async damagedBlobs(): Promise<Array<{ id: string; size: number | null; stored: number }>> {
    return rows(
      this.pool,
      `SELECT b.id, b.size, coalesce(sum(length(c.data)), 0)::bigint AS stored
       FROM blobs AS b LEFT JOIN blob_chunks AS c ON c.blob_id = b.id
       GROUP BY b.id, b.size, b.chunk_bytes
       HAVING coalesce(sum(length(c.data)), 0) <> b.size OR count(c.seq) <> coalesce(max(c.seq) + 1, 0)
       UNION ALL
       SELECT c.blob_id, NULL, sum(length(c.data))::bigint FROM blob_chunks AS c
       WHERE NOT EXISTS (SELECT 1 FROM blobs AS b WHERE b.id = c.blob_id) GROUP BY c.blob_id
       ORDER BY 1`,
    );
  }

  private blobRow(id: string): Promise<BlobRow | undefined> {
    return row<BlobRow>(this.pool, 'SELECT size, chunk_bytes FROM blobs WHERE id = $1', [id]);
  }

  /**
   * [start, end) of the blob: the chunks covering it, CHUNKS_PER_READ per query, each cut to the range
   * by the server (substring reads only that slice of an uncompressed out-of-line value), so only the
   * bytes asked for travel. The first query also finds the blob's row: a partial FETCH is one round trip.
   * The next batch is asked for while this one is consumed (2 batches in memory at most).
   */
  private async *chunksOf(id: string, start: number, end: number | undefined): AsyncGenerator<Buffer> {
    const ask = end ?? Number.MAX_SAFE_INTEGER;
    const head = await rows<BlobRow & ChunkRow>(this.pool, FIRST_CHUNKS, [id, start, ask, CHUNKS_PER_READ]);
    const blob = head[0];
    if (!blob) {
      if ((await this.files.size(id)) === null) throw new NotFoundError(`Blob ${id} not found`);
      yield* this.files.stream(id, start, end);
      return;
    }
    const stop = Math.min(ask, blob.size);
    if (start >= stop) return;
    const size = blob.chunk_bytes;
    const last = Math.floor((stop - 1) / size);
    const batch = (first: number) => {
      const next = rows<ChunkRow>(this.pool, NEXT_CHUNKS, [id, start, stop, first, batchEnd(first), size]);
      next.catch(() => {}); // reported when awaited; a stream given up early never awaits it
      return next;
    };
    const batchEnd = (first: number) => Math.min(first + CHUNKS_PER_READ - 1, last);
    let chunks: ChunkRow[] = head;
    let ahead: Promise<ChunkRow[]> | undefined;
    for (let first = Math.floor(start / size); first <= last; first += CHUNKS_PER_READ) {
      if (ahead) chunks = await ahead;
      ahead = first + CHUNKS_PER_READ <= last ? batch(first + CHUNKS_PER_READ) : undefined;
      if (chunks.length !== batchEnd(first) - first + 1) throw damaged(id);
      for (const chunk of chunks) {
        const offset = (chunk.seq ?? -1) * size;
        const expected = Math.min(stop - offset, size) - Math.max(start - offset, 0);
        if (chunk.data?.length !== expected) throw damaged(id);
        yield chunk.data;
      }
    }
  }
}

interface ChunkRow {
  /** Null, as data, when the blob has no chunk in the range (the LEFT JOIN found none). */
  seq: number | null;
  data: Buffer | null;
}

const READ_WHOLE = `SELECT b.size, c.data
  FROM blobs AS b LEFT JOIN blob_chunks AS c ON c.blob_id = b.id WHERE b.id = $1 ORDER BY c.seq`;

/** Chunk c's bytes within [$2, $3) of the blob, chunks being `size` bytes (an SQL expression). */
const sliceOf = (size: string) => {
  const offset = `c.seq::bigint * ${size}`;
  const from = `greatest($2::bigint - ${offset}, 0)`;
  return `substring(c.data FROM (${from} + 1)::integer FOR (least($3::bigint - ${offset}, ${size}) - ${from})::integer)`;
};
/** The row and its first $4 chunks that cover [$2, $3), cut to it; no chunk when the range is empty. */
const FIRST_CHUNKS = `SELECT b.size, b.chunk_bytes, c.seq, ${sliceOf('b.chunk_bytes')} AS data
  FROM blobs AS b LEFT JOIN blob_chunks AS c ON c.blob_id = b.id
    AND c.seq >= $2::bigint / b.chunk_bytes AND c.seq < $2::bigint / b.chunk_bytes + $4::integer
    AND c.seq::bigint * b.chunk_bytes < least($3::bigint, b.size)
  WHERE b.id = $1 ORDER BY c.seq`;
/** Chunks $4..$5 of $6 bytes each, cut to [$2, $3). */
const NEXT_CHUNKS = `SELECT c.seq, ${sliceOf('$6::integer')} AS data FROM blob_chunks AS c
  WHERE c.blob_id = $1 AND c.seq BETWEEN $4 AND $5 ORDER BY c.seq`;

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function damaged(id: string): Error {
  return new Error(`Blob ${id} is damaged: its chunks do not add up to its size (run postyard doctor)`);
}

/** A blob written in the caller's transaction, as put() writes it (`postyard migrate`). */
export function putBlobInto(sql: Sql, data: Buffer | Readable): Promise<BlobRef> {
  return writeBlob(sql, data, Date.now());
}

async function writeBlob(sql: Sql, data: Buffer | Readable, now: number): Promise<BlobRef> {
  if (Buffer.isBuffer(data) && data.length <= CHUNK_BYTES * CHUNKS_PER_STATEMENT) {
    const ref = { id: sha256(data), size: data.length };
    await writeChunks(sql, ref, data, now);
    return ref;
  }
  return writeStream(sql, Buffer.isBuffer(data) ? Readable.from([data]) : data, now);
}

/**
 * One statement: the blob row and, when it is new, its chunks (each a binary parameter). `writtenAt`
 * 0 (staged) leaves an existing row alone; otherwise an existing row's grace clock is refreshed, as a
 * file's mtime is on dedup.
 */
async function writeChunks(sql: Sql, ref: BlobRef, data: Buffer, writtenAt: number): Promise<void> {
  const chunks: Buffer[] = [];
  for (let at = 0; at < data.length || chunks.length === 0; at += CHUNK_BYTES) {
    chunks.push(data.subarray(at, at + CHUNK_BYTES));
  }
  const values = chunks.map((_, i) => `(${i}, $${i + 5}::bytea)`).join(', ');
  const onConflict =
    writtenAt === 0
      ? 'DO NOTHING RETURNING true AS inserted'
      : 'DO UPDATE SET written_at = excluded.written_at RETURNING (xmax = 0) AS inserted';
  await sql.query(
    `WITH blob AS (
       INSERT INTO blobs (id, size, chunk_bytes, written_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) ${onConflict}
     )
     INSERT INTO blob_chunks (blob_id, seq, data)
     SELECT $1, c.seq, c.data FROM blob, (VALUES ${values}) AS c(seq, data) WHERE blob.inserted`,
    [ref.id, ref.size, CHUNK_BYTES, writtenAt, ...chunks],
  );
}

/**
 * A stream of unknown length: chunks go in as they fill, under a temporary id (the hash is known only at
 * the end), then take the blob's id, or are dropped when the blob exists already. All in the caller's
 * transaction, so a failed or abandoned write leaves nothing.
 */
async function writeStream(sql: Sql, data: Readable, now: number): Promise<BlobRef> {
  const hash = createHash('sha256');
  const tempId = `tmp-${randomBytes(12).toString('hex')}`;
  let seq = 0;
  let size = 0;
  const insert = (chunk: Buffer) =>
    sql.query('INSERT INTO blob_chunks (blob_id, seq, data) VALUES ($1, $2, $3)', [tempId, seq++, chunk]);
  const seen = (buf: Buffer) => {
    hash.update(buf);
    size += buf.length;
  };
  for await (const piece of evenPieces(data, CHUNK_BYTES, seen)) await insert(piece);
  if (seq === 0) await insert(Buffer.alloc(0)); // an empty blob is one empty chunk, as writeChunks makes it
  const ref = { id: hash.digest('hex'), size };
  const kept = await row<{ inserted: boolean }>(
    sql,
    `INSERT INTO blobs (id, size, chunk_bytes, written_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at RETURNING (xmax = 0) AS inserted`,
    [ref.id, size, CHUNK_BYTES, now],
  );
  if (kept!.inserted)
    await sql.query('UPDATE blob_chunks SET blob_id = $1 WHERE blob_id = $2', [ref.id, tempId]);
  else await sql.query('DELETE FROM blob_chunks WHERE blob_id = $1', [tempId]);
  return ref;
}

/** The blob row and its chunks, if written at or before `writtenBefore`; the bytes freed, or null. */
async function deleteBlob(sql: Sql, id: string, writtenBefore: number): Promise<number | null> {
  const gone = await row<{ size: number }>(
    sql,
    `WITH gone AS (DELETE FROM blobs WHERE id = $1 AND written_at <= $2 RETURNING size),
     chunks AS (DELETE FROM blob_chunks WHERE blob_id = $1 AND EXISTS (SELECT 1 FROM gone))
     SELECT size FROM gone`,
    [id, writtenBefore],
  );
  return gone?.size ?? null;
}
