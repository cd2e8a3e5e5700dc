/**
 * Reading small blobs whole. With the store's synchronous fast path (BlobStore.readSync) each read is
 * one cheap call. Without it, read-ahead for pipelined downloads: while one RETR is being written, the
 * blobs of the next few pipelined RETR/TOP commands are already being read (file reads go through the
 * libuv threadpool, so several run in parallel). Bounded by count and bytes; only small blobs.
 */
import type { BlobStore } from '../../store/store.js';

const MAX_PREFETCHED = 8;
const MAX_PREFETCHED_BYTES = 4 * 1024 * 1024;

export class BlobPrefetcher {
  private readonly reads = new Map<string, { size: number; data: Promise<Buffer> }>();
  private bytes = 0;

  constructor(private readonly blobs: BlobStore) {}

  /**
   * True when the store offers BlobStore.readSync: a page-cached local read costs a fraction of an
   * async thread-pool round trip, so read-ahead has nothing left to hide.
   */
  get readsSynchronously(): boolean {
    return this.blobs.readSync !== undefined;
  }

  /** Starts reading `blobId` unless it is already pending or the budget is spent. */
  prefetch(blobId: string, size: number): void {
    if (this.readsSynchronously || this.reads.has(blobId)) return;
    if (this.reads.size >= MAX_PREFETCHED || this.bytes + size > MAX_PREFETCHED_BYTES) return;
    const data = this.blobs.read(blobId);
    data.catch(() => {}); // Reported when (if) taken; a dropped read must not be an unhandled rejection.
    this.reads.set(blobId, { size, data });
    this.bytes += size;
  }

  /** The prefetched read for `blobId` (removed from the cache), or a fresh read. */
  async read(blobId: string): Promise<Buffer> {
    if (this.blobs.readSync) return this.blobs.readSync(blobId);
    const entry = this.reads.get(blobId);
    if (!entry) return this.blobs.read(blobId);
    this.reads.delete(blobId);
    this.bytes -= entry.size;
    return entry.data;
  }

  /** Forgets reads no longer expected (e.g. a pipelined RETR was answered with -ERR). */
  retainOnly(blobIds: ReadonlySet<string>): void {
    for (const [id, entry] of this.reads) {
      if (blobIds.has(id)) continue;
      this.reads.delete(id);
      this.bytes -= entry.size;
    }
  }
}
