/**
 * What the PostgreSQL store needs of its blob store beyond BlobStore (config store.blobs): the writers'
 * presence check and garbage collection's removal step run inside the store's transactions, so both
 * take the transaction's client. Two implementations: SharedFileBlobs (files under dataDir, which every
 * node must share) and DatabaseBlobStore (database-blobs.ts: chunks in the database, nothing shared).
 */
import { FileBlobStore } from '../blobs.js';
import type { BlobRef, BlobStore } from '../store.js';
import type { Sql } from './db.js';

export interface PostgresBlobs extends BlobStore {
  /**
   * Inside the transaction that records a message or queue entry using `ref`, with BLOB_LOCK held shared
   * (message-writes.ts): a staged ref's bytes are written (they commit with the row that uses them); a
   * stored one must still be there. False when it is not (garbage collection removed it meanwhile).
   */
  ensurePresent(sql: Sql, ref: BlobRef): Promise<boolean>;
  /**
   * Garbage collection's removal step, inside the collector's transaction that holds BLOB_LOCK
   * exclusively and has just found the blob unreferenced: removes it unless written (or deduplicated)
   * less than `graceMs` ago. Returns the bytes freed, or null when kept or already gone.
   */
  moveToTrash(sql: Sql, id: string, graceMs: number, now: number): Promise<number | null>;
  /** After the collector's commit: frees what moveToTrash set aside. */
  emptyTrash(): Promise<void>;
  /** Removes what crashed puts left behind, older than `graceMs`. */
  removeStaleTemp(graceMs: number): Promise<number>;
  /** Size and when last written or deduplicated (garbage collection's grace clock), or null. */
  stat(id: string): Promise<{ size: number; mtimeMs: number } | null>;
  /** Database blobs whose chunks do not add up to their size; size null: chunks of no blob (doctor). */
  damagedBlobs?(): Promise<Array<{ id: string; size: number | null; stored: number }>>;
}

/** store.blobs "files": the content-addressed files under dataDir (blobs.ts), shared by every node. */
export class SharedFileBlobs extends FileBlobStore implements PostgresBlobs {
  async ensurePresent(_sql: Sql, ref: BlobRef): Promise<boolean> {
    return this.isPresentSync(ref.id);
  }

  async moveToTrash(_sql: Sql, id: string, graceMs: number, now: number): Promise<number | null> {
    return this.moveToTrashSync(id, graceMs, now);
  }
}
