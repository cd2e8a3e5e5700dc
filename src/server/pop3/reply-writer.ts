/**
 * Batches replies into few socket writes (pipelined commands get one writev) and applies backpressure:
 * once more than HIGH_WATER bytes are queued, the command pipeline waits for 'drain' before it reads
 * the next command or the next chunk of a message body. A client that never reads cannot make us buffer
 * more than that.
 */
import type { Socket } from 'node:net';

const HIGH_WATER = 256 * 1024;
/** Message bodies are read into slabs of this size, reused once the socket is done with them. */
const SLAB_BYTES = 1024 * 1024;
/** Free slabs kept per session. */
const MAX_FREE_SLABS = 2;

interface Slab {
  buffer: Buffer;
  used: number;
  /** Writes of this slab's bytes not yet completed by the socket. */
  pending: number;
  /** No longer handed out; back to the free list once `pending` is 0. */
  retired: boolean;
}

export class ReplyWriter {
  private corked = false;
  private slab: Slab | null = null;
  private readonly freeSlabs: Slab[] = [];

  constructor(private socket: Socket) {}

  /** After STLS the session writes to the TLS socket. */
  replaceSocket(socket: Socket): void {
    this.flush();
    this.socket = socket;
  }

  write(data: string | Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (!this.corked) {
      this.socket.cork();
      this.corked = true;
    }
    this.socket.write(data);
  }

  /**
   * `length` bytes of scratch space for a reply body, from a reusable slab: reading message bodies into
   * slabs instead of one fresh Buffer each keeps external memory flat, which otherwise triggers a V8
   * mark-compact every few dozen messages of a pipelined download. Write the result with
   * writeFromSlab() right away (no await in between); a slab is reused only after the socket has
   * completed every write that referenced it.
   */
  reserve(length: number): Buffer {
    if (length > SLAB_BYTES / 4) return Buffer.allocUnsafe(length);
    let slab = this.slab;
    if (!slab || slab.used + length > SLAB_BYTES) {
      if (slab) this.retire(slab);
      slab = this.freeSlabs.pop() ?? {
        buffer: Buffer.allocUnsafeSlow(SLAB_BYTES),
        used: 0,
        pending: 0,
        retired: false,
      };
      slab.used = 0;
      slab.retired = false;
      this.slab = slab;
    }
    const out = slab.buffer.subarray(slab.used, slab.used + length);
    slab.used += length;
    return out;
  }

  /** Writes `data`; if it shares memory with a slab, the slab stays in use until the write completes. */
  writeFromSlab(data: Buffer): void {
    const slab = this.slab;
    if (!slab || data.buffer !== slab.buffer.buffer) {
      this.write(data);
      return;
    }
    if (this.socket.destroyed || !this.socket.writable) return;
    if (!this.corked) {
      this.socket.cork();
      this.corked = true;
    }
    slab.pending++;
    this.socket.write(data, () => {
      slab.pending--;
      if (slab.retired && slab.pending === 0) this.release(slab);
    });
  }

  private retire(slab: Slab): void {
    slab.retired = true;
    if (this.slab === slab) this.slab = null;
    if (slab.pending === 0) this.release(slab);
  }

  private release(slab: Slab): void {
    if (this.freeSlabs.length < MAX_FREE_SLABS && !this.freeSlabs.includes(slab)) this.freeSlabs.push(slab);
  }

  flush(): void {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /** Resolves once the queue is below the high-water mark (or the socket is gone). */
  async backpressure(): Promise<void> {
    if (this.socket.writableLength <= HIGH_WATER) return;
    this.flush();
    await waitForDrain(this.socket);
  }

  /** Resolves when everything written so far has been handed to the kernel. */
  async drained(): Promise<void> {
    this.flush();
    if (this.socket.writableLength > 0) await waitForDrain(this.socket);
  }
}

function waitForDrain(socket: Socket): Promise<void> {
  if (socket.destroyed || socket.writableLength === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('close', done);
    // 'drain' only follows a write that returned false; otherwise an empty write's callback marks the point.
    if (socket.writableNeedDrain) socket.on('drain', done);
    else socket.write('', done);
  });
}
