/**
 * Reads a POP3 server's replies from a socket: status lines and multi-line bodies, the latter as a
 * stream of unstuffed chunks (nothing is held whole in memory). The socket is paused while no one
 * reads, so a slow disk slows the download instead of filling memory.
 */
import type { Socket } from 'node:net';
import { DotUnstuffer } from '../../protocol/pop3/dot-unstuffer.js';
import { UnreachableError } from '../errors.js';

const LF = 0x0a;
const MAX_STATUS_LINE = 64 * 1024;

export class ReplyReader {
  private buffered: Buffer[] = [];
  private ended: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(private socket: Socket) {
    this.attach(socket);
  }

  /** After STLS: the TLS socket replaces the plain one (nothing may be buffered, RFC 2595 §4). */
  replaceSocket(socket: Socket): void {
    this.buffered = [];
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.pause();
    socket.on('data', (chunk: Buffer) => {
      if (socket !== this.socket) return;
      this.buffered.push(chunk);
      socket.pause();
      this.notify();
    });
    const end = (err?: Error) => {
      if (socket !== this.socket) return;
      this.ended ??= new UnreachableError(
        err ? `connection lost: ${err.message}` : 'the server closed the connection',
        {
          cause: err,
        },
      );
      this.notify();
    };
    socket.on('error', end);
    socket.on('close', () => end());
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** The next chunk of input (waiting for it), or throws when the connection is gone. */
  private async nextChunk(): Promise<Buffer> {
    for (;;) {
      const chunk = this.buffered.shift();
      if (chunk) return chunk;
      if (this.ended) throw this.ended;
      const wait = new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.socket.resume();
      await wait;
    }
  }

  private unshift(chunk: Buffer): void {
    if (chunk.length > 0) this.buffered.unshift(chunk);
  }

  /** One line without its CRLF. */
  async readLine(): Promise<string> {
    const parts: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = await this.nextChunk();
      const lf = chunk.indexOf(LF);
      if (lf >= 0) {
        parts.push(chunk.subarray(0, lf));
        this.unshift(chunk.subarray(lf + 1));
        const line = Buffer.concat(parts).toString('utf8');
        return line.endsWith('\r') ? line.slice(0, -1) : line;
      }
      parts.push(chunk);
      length += chunk.length;
      if (length > MAX_STATUS_LINE) throw new UnreachableError('the server sent an over-long line');
    }
  }

  /** The body of a multi-line reply after its +OK line, unstuffed, chunk by chunk. */
  async *readBody(): AsyncGenerator<Buffer> {
    const unstuffer = new DotUnstuffer();
    for (;;) {
      const result = unstuffer.push(await this.nextChunk());
      // One write per received chunk, not per line: a message of short lines would be 100k writes.
      const body = result.body.length === 1 ? result.body[0]! : Buffer.concat(result.body);
      if (body.length > 0) yield body;
      if (result.done) {
        this.unshift(result.rest);
        return;
      }
    }
  }

  /** A short multi-line body (UIDL, LIST, CAPA) as its lines. */
  async readLines(): Promise<string[]> {
    const parts: Buffer[] = [];
    for await (const piece of this.readBody()) parts.push(piece);
    const text = Buffer.concat(parts).toString('utf8');
    return text.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1);
  }
}
