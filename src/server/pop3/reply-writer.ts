/**
 * Batches replies into few socket writes (pipelined commands get one writev) and applies backpressure:
 * once more than HIGH_WATER bytes are queued, the command pipeline waits for 'drain' before it reads
 * the next command or the next chunk of a message body. A client that never reads cannot make us buffer
 * more than that.
 */
import type { Socket } from 'node:net';
import { BodySlabs } from '../net/body-slabs.js';

const HIGH_WATER = 256 * 1024;

export class ReplyWriter {
  private corked = false;
  private readonly slabs = new BodySlabs();

  constructor(private socket: Socket) {}

  /** After STLS the session writes to the TLS socket. */
  replaceSocket(socket: Socket): void {
    this.flush();
    this.socket = socket;
  }

  /** `written` runs once the socket has completed this write. */
  write(data: string | Buffer, written?: () => void): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    if (!this.corked) {
      this.socket.cork();
      this.corked = true;
    }
    this.socket.write(data, written);
  }

  /**
   * `length` bytes for a reply body from this session's reusable slabs (server/net/body-slabs.ts):
   * write it (or what the dot-stuffer made of it) with writeFromSlab(), then release() it.
   */
  reserve(length: number): Buffer {
    return this.slabs.reserve(length);
  }

  /** Ends the hold reserve() put on `data`. */
  release(data: Buffer): void {
    this.slabs.release(data);
  }

  /** Writes `data`; if it shares memory with a slab, the slab stays in use until the write completes. */
  writeFromSlab(data: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    this.write(data, this.slabs.holdForWrite(data));
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
