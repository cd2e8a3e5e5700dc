/**
 * Batches replies into few socket writes (pipelined commands get one writev) and applies backpressure:
 * once more than HIGH_WATER bytes are queued, the command pipeline waits for 'drain' before it reads
 * the next command or the next chunk of a message body. A client that never reads cannot make us buffer
 * more than that.
 */
import type { Socket } from 'node:net';
import { BodySlabs } from '../net/body-slabs.js';

const HIGH_WATER = 256 * 1024;

/** Consecutive slab bytes queued as one write (see writeFromSlab), with the hold of their slab. */
interface SlabRun {
  memory: ArrayBufferLike;
  start: number;
  end: number;
  written: () => void;
}

export class ReplyWriter {
  private corked = false;
  private readonly slabs = new BodySlabs();
  private run: SlabRun | null = null;

  constructor(private socket: Socket) {}

  /** After STLS the session writes to the TLS socket. */
  replaceSocket(socket: Socket): void {
    this.flush();
    this.socket = socket;
  }

  /** `written` runs once the socket has completed this write. */
  write(data: string | Buffer, written?: () => void): void {
    this.writeRun();
    this.send(data, written);
  }

  private send(data: string | Buffer, written?: () => void): void {
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

  /** The first `length` bytes of a reservation, the rest given back (BodySlabs.shrink). */
  shrink(data: Buffer, length: number): Buffer {
    return this.slabs.shrink(data, length);
  }

  /**
   * Writes `data`; if it shares memory with a slab, the slab stays in use until the write completes.
   * Slab bytes that directly follow the previous ones (replies reserved one after another) join that
   * write: a pipelined download goes out as one write per slab, not one or more per message.
   */
  writeFromSlab(data: Buffer): void {
    if (this.socket.destroyed || !this.socket.writable) return;
    const run = this.run;
    if (run && run.memory === data.buffer && run.end === data.byteOffset) {
      run.end += data.length;
      return;
    }
    const written = this.slabs.holdForWrite(data);
    if (!written) {
      this.write(data);
      return;
    }
    this.writeRun();
    this.run = { memory: data.buffer, start: data.byteOffset, end: data.byteOffset + data.length, written };
  }

  private writeRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = null;
    if (this.socket.destroyed || !this.socket.writable) {
      run.written();
      return;
    }
    this.send(Buffer.from(run.memory, run.start, run.end - run.start), run.written);
  }

  /** Bytes queued and not yet handed to the kernel. */
  private queued(): number {
    return this.socket.writableLength + (this.run ? this.run.end - this.run.start : 0);
  }

  flush(): void {
    this.writeRun();
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
  }

  /**
   * Resolves once the queue is below the high-water mark (or the socket is gone), after a turn of the
   * event loop: a pipelined download otherwise runs on promise continuations alone, so the callbacks of
   * completed socket writes (process.nextTick) never ran and every slab stayed held until the pipeline
   * ended, a fresh 1 MB slab per MB sent. The turn also lets other sessions in.
   */
  async backpressure(): Promise<void> {
    if (this.queued() <= HIGH_WATER) return;
    this.flush();
    await waitForDrain(this.socket);
    await new Promise<void>((resolve) => setImmediate(resolve));
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
