/**
 * Recently read small message bodies, by blob id. Blobs are content-addressed and never change, so an
 * entry can never be stale. Clients read the same message several times in a row (headers, then
 * BODYSTRUCTURE, then parts; or two devices picking up a new message), and each read from the blob
 * store costs several thread-pool round trips. Bounded by bytes, least recently used out first.
 */
import type { Store } from '../../../store/store.js';

/** Total bytes kept per store (one per server process). */
const MAX_BYTES = 32 * 1024 * 1024;
/** Larger bodies are not kept (FETCH streams those anyway). */
const MAX_ENTRY = 256 * 1024;

export class BodyCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = MAX_BYTES,
    private readonly maxEntry = MAX_ENTRY,
  ) {}

  get(blobId: string): Buffer | undefined {
    const data = this.entries.get(blobId);
    if (data) {
      // Map order is insertion order: re-inserting marks the entry as most recently used.
      this.entries.delete(blobId);
      this.entries.set(blobId, data);
    }
    return data;
  }

  set(blobId: string, data: Buffer): void {
    if (data.length > this.maxEntry || this.entries.has(blobId)) return;
    this.entries.set(blobId, data);
    this.bytes += data.length;
    for (const [id, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(id);
      this.bytes -= old.length;
    }
  }
}

const caches = new WeakMap<Store, BodyCache>();

/** The cache for one store (shared by every session of the server). */
export function bodyCacheOf(store: Store): BodyCache {
  let cache = caches.get(store);
  if (!cache) {
    cache = new BodyCache();
    caches.set(store, cache);
  }
  return cache;
}
