/**
 * The SQLite store's blobs (issue 15): small ones as rows of `inline_blobs` in the database, written in
 * the transaction of the message that uses them (stage() + ensurePresentSync()), larger ones as files
 * (FileBlobStore). A delivery of a small message then costs one WAL commit, shared by group commit,
 * instead of a file write, fdatasync, rename and directory fsync before that commit.
 *
 * Readers need not know which kind a blob is: every read looks for a row first (one indexed lookup on
 * the store's connection, synchronous like the file fast paths), then for the file. A blob may exist in
 * both forms (a file written before an upgrade, the same bytes staged later); they hold the same bytes.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type Database from 'better-sqlite3';
import { type FileBlobStore, rowsThenFiles } from '../blobs.js';
import type { BlobRef, BlobStore } from '../store.js';

/**
 * Messages up to this size are kept in the database by default. Bigger rows are written twice (WAL, then
 * checkpoint) and fill the WAL faster; the limit is the first guess, not yet tuned by measurement
 * (BENCHMARKS.md "Delivery (LMTP)" has the runs with it).
 */
export const DEFAULT_INLINE_BLOB_MAX_BYTES = 64 * 1024;

export class SqliteBlobStore implements BlobStore {
  private readonly insertStmt: Database.Statement<[string, Buffer]>;
  private readonly dataStmt: Database.Statement<[string], Buffer>;
  private readonly sizeStmt: Database.Statement<[string], number>;
  private readonly deleteStmt: Database.Statement<[string]>;
  private readonly idsAfterStmt: Database.Statement<[string, number], string>;

  constructor(
    db: Database.Database,
    readonly files: FileBlobStore,
    /** Largest blob stage() keeps in the database; 0 keeps every blob in files. */
    readonly inlineMaxBytes = DEFAULT_INLINE_BLOB_MAX_BYTES,
  ) {
    this.insertStmt = db.prepare('INSERT OR IGNORE INTO inline_blobs (id, data) VALUES (?, ?)');
    this.dataStmt = db.prepare<[string], Buffer>('SELECT data FROM inline_blobs WHERE id = ?').pluck();
    this.sizeStmt = db
      .prepare<[string], number>('SELECT length(data) FROM inline_blobs WHERE id = ?')
      .pluck();
    this.deleteStmt = db.prepare('DELETE FROM inline_blobs WHERE id = ?');
    this.idsAfterStmt = db
      .prepare<[string, number], string>('SELECT id FROM inline_blobs WHERE id > ? ORDER BY id LIMIT ?')
      .pluck();
  }

  stage(data: Buffer): BlobRef | null {
    if (data.length > this.inlineMaxBytes) return null;
    return { id: createHash('sha256').update(data).digest('hex'), size: data.length, inline: data };
  }

  put(data: Buffer | Readable): Promise<BlobRef> {
    return this.files.put(data);
  }

  /**
   * Inside the write transaction that records a message or queue entry using `ref`: a staged blob's
   * bytes are inserted (a no-op when the row exists), so they commit with the message; a stored blob must
   * still be there (garbage collection removes blobs inside write transactions too).
   */
  ensurePresentSync(ref: BlobRef): boolean {
    if (ref.inline) {
      this.insertStmt.run(ref.id, ref.inline);
      return true;
    }
    return this.sizeStmt.get(ref.id) !== undefined || this.files.isPresentSync(ref.id);
  }

  async read(id: string): Promise<Buffer> {
    return this.dataStmt.get(id) ?? this.files.read(id);
  }

  readSync(id: string): Buffer {
    return this.dataStmt.get(id) ?? this.files.readSync(id);
  }

  readIntoSync(id: string, target: Buffer, offset: number, length: number): void {
    const data = this.dataStmt.get(id);
    if (data === undefined) {
      this.files.readIntoSync(id, target, offset, length);
    } else {
      if (data.length < length) throw new Error(`Blob ${id} is shorter than ${length} bytes`);
      data.copy(target, offset, 0, length);
    }
  }

  stream(id: string, start = 0, end?: number): Readable {
    const data = this.dataStmt.get(id);
    if (data === undefined) return this.files.stream(id, start, end);
    if (end !== undefined && end <= start) return Readable.from([]);
    return Readable.from([data.subarray(start, end)]);
  }

  async exists(id: string): Promise<boolean> {
    return (await this.size(id)) !== null;
  }

  async size(id: string): Promise<number | null> {
    return this.sizeStmt.get(id) ?? this.files.size(id);
  }

  /** Size and age for garbage collection; a row has no write time, so it counts as old (mtime 0). */
  async stat(id: string): Promise<{ size: number; mtimeMs: number } | null> {
    const size = this.sizeStmt.get(id);
    return size === undefined ? this.files.stat(id) : { size, mtimeMs: 0 };
  }

  async remove(id: string): Promise<void> {
    this.deleteStmt.run(id);
    await this.files.remove(id);
  }

  /**
   * Garbage collection's removal step (see FileBlobStore.moveToTrashSync), inside the write transaction
   * that found the blob unreferenced. A row needs no grace period: a delivery in flight that uses the
   * same bytes carries them in its staged ref and inserts the row again when it commits.
   */
  moveToTrashSync(id: string, graceMs: number, now: number): number | null {
    const size = this.sizeStmt.get(id);
    if (size !== undefined) this.deleteStmt.run(id);
    const fileSize = this.files.moveToTrashSync(id, graceMs, now);
    return size ?? fileSize;
  }

  emptyTrash(): Promise<void> {
    return this.files.emptyTrash();
  }

  removeStaleTemp(graceMs: number): Promise<number> {
    return this.files.removeStaleTemp(graceMs);
  }

  list(): AsyncIterable<string> {
    return rowsThenFiles(
      (after, limit) => this.idsAfterStmt.all(after, limit),
      (id) => this.sizeStmt.get(id) !== undefined,
      this.files,
    );
  }
}
