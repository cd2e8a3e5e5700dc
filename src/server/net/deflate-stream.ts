/**
 * COMPRESS=DEFLATE (RFC 4978): a Duplex over a connection's socket (plain or TLS) that inflates what the
 * peer sends and deflates what the session writes, so a session swaps it in like the TLS socket after
 * STARTTLS. Raw DEFLATE (RFC 1951), no zlib header.
 *
 * Every write batch (one writev from the response writer's cork/uncork, or one chunk of a piped body)
 * ends with Z_SYNC_FLUSH (§4): the peer gets each response burst whole, at once, without waiting for
 * more output. A write's callback waits until the socket has room again, so the writer's `drained()`
 * backpressure reaches through the compressor. Bytes in are held back the same way: the socket pauses
 * while the inflater or the session's side is full.
 */
import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import zlib from 'node:zlib';

/**
 * Our window is small: deflate state is about (1 << (windowBits + 2)) + (1 << (memLevel + 9)) bytes
 * (12 KB here instead of 256 KB at the defaults), at some cost in ratio (§4 allows any window). The
 * inflater has to take the peer's window, up to 32 KB. Small output chunks: Node keeps one per stream.
 */
const DEFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 10, memLevel: 4, level: 6, chunkSize: 4096 };
const INFLATE_OPTIONS: zlib.ZlibOptions = { windowBits: 15, chunkSize: 4096 };

export class DeflateStream extends Duplex {
  private readonly deflater = zlib.createDeflateRaw(DEFLATE_OPTIONS);
  private readonly inflater = zlib.createInflateRaw(INFLATE_OPTIONS);
  /** Bytes taken from and given to the socket, for the close log (compression ratio). */
  rawIn = 0;
  rawOut = 0;
  plainIn = 0;
  plainOut = 0;

  /**
   * `pending`: bytes the peer sent after the command that turned compression on (already compressed),
   * read by the protocol's receiver before the switch.
   */
  constructor(
    private readonly socket: Socket,
    pending?: Buffer,
  ) {
    // The session decides when to close after the peer's end (it answers pipelined commands first).
    super({ allowHalfOpen: true });
    this.deflater.on('data', (out: Buffer) => {
      this.rawOut += out.length;
      socket.write(out);
    });
    this.inflater.on('data', (data: Buffer) => {
      this.plainIn += data.length;
      if (!this.push(data)) this.inflater.pause();
    });
    this.inflater.on('drain', () => socket.resume());
    this.inflater.on('end', () => this.push(null));
    // A corrupt stream from the peer (or an internal zlib failure) ends only this connection.
    this.inflater.on('error', (err) => this.destroy(err));
    this.deflater.on('error', (err) => this.destroy(err));
    socket.on('data', this.onSocketData);
    socket.on('end', this.onSocketEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
    if (pending && pending.length > 0) this.onSocketData(pending);
    socket.resume();
  }

  private readonly onSocketData = (chunk: Buffer): void => {
    this.rawIn += chunk.length;
    if (!this.inflater.write(chunk)) this.socket.pause();
  };

  private readonly onSocketEnd = (): void => {
    this.inflater.end();
  };

  private readonly onSocketError = (err: Error): void => {
    this.destroy(err);
  };

  private readonly onSocketClose = (): void => {
    this.destroy();
  };

  override _read(): void {
    this.inflater.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.plainOut += chunk.length;
    this.deflater.write(chunk);
    this.syncFlush(done);
  }

  override _writev(
    chunks: { chunk: Buffer; encoding: BufferEncoding }[],
    done: (err?: Error | null) => void,
  ): void {
    for (const { chunk } of chunks) {
      this.plainOut += chunk.length;
      this.deflater.write(chunk);
    }
    this.syncFlush(done);
  }

  /** Z_SYNC_FLUSH: everything written so far goes out now; `done` once the socket has room again. */
  private syncFlush(done: (err?: Error | null) => void): void {
    this.deflater.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      const socket = this.socket;
      if (!socket.writableNeedDrain || socket.destroyed) {
        done();
        return;
      }
      const ready = () => {
        socket.off('drain', ready);
        socket.off('close', ready);
        done();
      };
      socket.on('drain', ready);
      socket.on('close', ready);
    });
  }

  override _final(done: (err?: Error | null) => void): void {
    // Z_FINISH, then the socket's end once the last compressed bytes are queued on it.
    this.deflater.once('end', () => {
      this.socket.end();
      done();
    });
    this.deflater.end();
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.off('data', this.onSocketData);
    this.socket.off('end', this.onSocketEnd);
    this.socket.off('close', this.onSocketClose);
    this.socket.destroy();
    this.deflater.destroy();
    this.inflater.destroy();
    done(err);
  }
}
