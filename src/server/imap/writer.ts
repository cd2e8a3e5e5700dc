/**
 * Output side of a session: small responses are gathered and written in batches; large bodies are piped
 * from blob streams. `drained()` resolves when the socket has taken everything, which is what the
 * session awaits before reading the next command (structural backpressure, issue 5).
 */
import type { Duplex, Readable } from 'node:stream';
import { BodySlabs } from '../net/body-slabs.js';

const BATCH_BYTES = 256 * 1024;

/** A queued body in a slab, and the callback that frees its hold once the socket has written it. */
interface SlabPart {
  data: Buffer;
  written: () => void;
}

export class ResponseWriter {
  private parts: (string | Buffer | SlabPart)[] = [];
  private pending = 0;
  private readonly slabs = new BodySlabs();

  constructor(private socket: Duplex) {}

  /** After STARTTLS the session writes to the TLS socket instead (after COMPRESS, to the compressor). */
  replaceSocket(socket: Duplex): void {
    this.socket = socket;
  }

  /** Queues text or bytes; writes out once a batch is full. */
  push(data: string | Buffer): void {
    this.parts.push(data);
    this.pending += data.length;
    if (this.pending >= BATCH_BYTES) this.flush();
  }

  /**
   * `length` bytes for a message body from this session's reusable slabs (server/net/body-slabs.ts):
   * queue it with pushBody(), then release() it.
   */
  reserve(length: number): Buffer {
    return this.slabs.reserve(length);
  }

  /** Ends the hold reserve() put on `data` (after pushBody, or when the body is not sent). */
  release(data: Buffer): void {
    this.slabs.release(data);
  }

  /** Queues a body; one from reserve() keeps its slab busy until the socket has written it. */
  pushBody(data: Buffer): void {
    const written = this.slabs.holdForWrite(data);
    if (!written) {
      this.push(data);
      return;
    }
    this.parts.push({ data, written });
    this.pending += data.length;
    if (this.pending >= BATCH_BYTES) this.flush();
  }

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
      else this.socket.write(part.data, part.written);
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
