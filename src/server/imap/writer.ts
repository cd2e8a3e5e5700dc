/**
 * Output side of a session: small responses are gathered and written in batches; large bodies are piped
 * from blob streams. `drained()` resolves when the socket has taken everything, which is what the
 * session awaits before reading the next command (structural backpressure, issue 5).
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

const BATCH_BYTES = 256 * 1024;
/** Message bodies are read into slabs of this size (FETCH of small whole messages). */
const SLAB_BYTES = 1024 * 1024;
/**
 * Bodies up to this size go into a slab; larger ones get a Buffer of their own. A whole slab: FETCH
 * reads messages of up to 1 MB whole, and a few hundred KB ones are common (attachments); fresh
 * Buffers for those were measured to trigger a V8 mark-compact every few downloads.
 */
const SLAB_MAX_BODY = SLAB_BYTES;
/** Free slabs kept for the whole process (sessions take them and give them back). */
const MAX_FREE_SLABS = 8;
const freeSlabs: Buffer[] = [];

interface Slab {
  buffer: Buffer;
  used: number;
  /** Bodies reserved and not released, plus socket writes queued or in flight. */
  pending: number;
  /** Full: no longer handed out; back to the free list once `pending` is 0. */
  retired: boolean;
}

/** A queued body that lives in a slab: the slab is released when the socket has written it. */
interface SlabPart {
  data: Buffer;
  slab: Slab;
}

export class ResponseWriter {
  private parts: (string | Buffer | SlabPart)[] = [];
  private pending = 0;
  /** The slab reserve() is filling. */
  private slab: Slab | null = null;
  /** Slabs with bodies reserved or queued, by their memory (how a body Buffer finds its slab). */
  private readonly busySlabs = new Map<ArrayBufferLike, Slab>();

  constructor(private socket: Socket) {}

  /** After STARTTLS the session writes to the TLS socket instead. */
  replaceSocket(socket: Socket): void {
    this.socket = socket;
  }

  /** Queues text or bytes; writes out once a batch is full. */
  push(data: string | Buffer): void {
    this.parts.push(data);
    this.pending += data.length;
    if (this.pending >= BATCH_BYTES) this.flush();
  }

  /**
   * `length` bytes of scratch space for a message body, from a reusable slab: reading bodies into slabs
   * instead of a fresh Buffer each keeps external memory flat (fresh buffers mean page faults on every
   * read and frequent V8 mark-compacts during a download). Queue it with pushBody(), then release() it;
   * the slab is reused once every body in it is released and written by the socket.
   */
  reserve(length: number): Buffer {
    if (length > SLAB_MAX_BODY) return Buffer.allocUnsafe(length);
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
      this.busySlabs.set(slab.buffer.buffer, slab);
    }
    slab.pending++;
    const out = slab.buffer.subarray(slab.used, slab.used + length);
    slab.used += length;
    return out;
  }

  /** Ends the hold reserve() put on `data`'s slab (after pushBody, or when the body is not sent). */
  release(data: Buffer): void {
    const slab = this.busySlabs.get(data.buffer);
    if (slab) this.unhold(slab);
  }

  /** Queues a body; one from reserve() keeps its slab busy until the socket has written it. */
  pushBody(data: Buffer): void {
    const slab = this.busySlabs.get(data.buffer);
    if (!slab) {
      this.push(data);
      return;
    }
    slab.pending++;
    this.parts.push({ data, slab });
    this.pending += data.length;
    if (this.pending >= BATCH_BYTES) this.flush();
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
    this.busySlabs.delete(slab.buffer.buffer);
    if (freeSlabs.length < MAX_FREE_SLABS) freeSlabs.push(slab.buffer);
  }

  private readonly slabWritten = (slab: Slab) => () => this.unhold(slab);

  /** Writes everything queued. */
  flush(): void {
    if (this.parts.length === 0 || this.socket.destroyed) {
      // A dead socket: its slabs are simply dropped with the session.
      this.parts = [];
      this.pending = 0;
      return;
    }
    const parts = this.parts;
    this.parts = [];
    this.pending = 0;
    // Adjacent strings are joined; corked writes then go out as one writev, so bodies are not copied.
    this.socket.cork();
    let text = '';
    for (const part of parts) {
      if (typeof part === 'string') {
        text += part;
        continue;
      }
      if (text) this.socket.write(text);
      text = '';
      if (Buffer.isBuffer(part)) this.socket.write(part);
      else this.socket.write(part.data, this.slabWritten(part.slab));
    }
    if (text) this.socket.write(text);
    this.socket.uncork();
  }

  /** Bytes queued here and in the socket, not yet taken by the kernel. */
  backlog(): number {
    return this.pending + this.socket.writableLength;
  }

  /** Flushes and waits until the socket's buffer is below its high-water mark (or the socket is gone). */
  async drained(): Promise<void> {
    this.flush();
    const socket = this.socket;
    if (!socket.writableNeedDrain || socket.destroyed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
  }

  /**
   * Streams a literal's bytes into the response, awaiting drain whenever the socket is full. `length` is
   * what the literal announced: a blob that turns out shorter or longer ends the connection.
   */
  async pipe(source: Readable, length: number): Promise<void> {
    this.flush();
    let sent = 0;
    try {
      for await (const chunk of source) {
        if (this.socket.destroyed) break;
        sent += (chunk as Buffer).length;
        if (sent > length) throw new Error('blob longer than announced');
        if (!this.socket.write(chunk as Buffer)) await this.drained();
      }
      if (sent !== length && !this.socket.destroyed) throw new Error('blob shorter than announced');
    } catch (err) {
      // A literal cut short cannot be resynchronised: the connection has to go.
      this.socket.destroy();
      throw err;
    } finally {
      source.destroy();
    }
  }
}
