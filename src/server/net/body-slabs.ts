/**
 * Reusable memory for message bodies on their way to a socket (POP3 RETR, IMAP FETCH). Reading each
 * body into a fresh Buffer means page faults on every read and, during a download, a V8 mark-compact
 * every few dozen messages (external memory pressure); bodies read into slabs keep memory flat.
 *
 * A slab is reused only when nothing references it any more: every reserve() released, every socket
 * write of its bytes completed. Free slabs are shared by the whole process, so idle sessions hold none.
 */

/** Size of one slab. */
const SLAB_BYTES = 1024 * 1024;
/**
 * Bodies up to this size are read whole in one synchronous call (into a slab) by IMAP FETCH and POP3
 * RETR alike; larger ones stream with backpressure, so a 50 MB message never sits in memory.
 */
export const READ_WHOLE_LIMIT = 1024 * 1024;
/** Free slabs kept for the whole process. */
const MAX_FREE_SLABS = 8;
const freeSlabs: Buffer[] = [];

interface Slab {
  buffer: Buffer;
  used: number;
  /** Reservations not released, plus socket writes queued or in flight. */
  pending: number;
  /** Full: no longer handed out; back to the free list once `pending` is 0. */
  retired: boolean;
}

/** One session's slabs (a writer owns one). */
export class BodySlabs {
  /** The slab reserve() is filling. */
  private slab: Slab | null = null;
  /** Slabs still referenced, by their memory (how a body Buffer finds its slab). */
  private readonly busy = new Map<ArrayBufferLike, Slab>();

  /**
   * `length` bytes of scratch space for a body, held until release(). Bodies larger than a slab get a
   * Buffer of their own.
   */
  reserve(length: number): Buffer {
    if (length > SLAB_BYTES) return Buffer.allocUnsafe(length);
    let slab = this.slab;
    if (!slab || slab.used + length > SLAB_BYTES) {
      if (slab) this.retire(slab);
      slab = {
        buffer: freeSlabs.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES),
        used: 0,
        pending: 0,
        retired: false,
      };
      this.slab = slab;
      this.busy.set(slab.buffer.buffer, slab);
    }
    slab.pending++;
    const out = slab.buffer.subarray(slab.used, slab.used + length);
    slab.used += length;
    return out;
  }

  /**
   * The first `length` bytes of `data`, the latest reservation: the rest goes back to its slab, so the
   * next reservation follows on directly (POP3 then writes consecutive replies as one piece).
   */
  shrink(data: Buffer, length: number): Buffer {
    const slab = this.slab;
    if (slab && slab.buffer.buffer === data.buffer && data.byteOffset + data.length === slab.used) {
      slab.used -= data.length - length;
    }
    return data.subarray(0, length);
  }

  /** Ends the hold reserve() put on `data`'s slab (once it is written, or when it is not sent). */
  release(data: Buffer): void {
    const slab = this.busy.get(data.buffer);
    if (slab) this.unhold(slab);
  }

  /**
   * For a socket write of `data` (a reserved body or part of one): keeps its slab busy until the
   * returned callback runs, so pass that to socket.write. Undefined when `data` is not in a slab.
   */
  holdForWrite(data: Buffer): (() => void) | undefined {
    const slab = this.busy.get(data.buffer);
    if (!slab) return undefined;
    slab.pending++;
    return () => this.unhold(slab);
  }

  private retire(slab: Slab): void {
    slab.retired = true;
    if (this.slab === slab) this.slab = null;
    if (slab.pending === 0) this.recycle(slab);
  }

  private unhold(slab: Slab): void {
    if (--slab.pending === 0 && slab.retired) this.recycle(slab);
  }

  private recycle(slab: Slab): void {
    this.busy.delete(slab.buffer.buffer);
    if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab.buffer);
  }
}
