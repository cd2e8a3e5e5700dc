/**
 * A tiny line-oriented raw socket client for protocol tests. Lines are CRLF (or LF) terminated and
 * returned without the terminator; every read has a timeout (default 5 s) whose error shows what was
 * received, so a hung test fails with a useful message instead of hanging.
 *
 *   const c = await connect(srv.ports.imap!);
 *   assert.match(await c.readLine(), /^\* OK/);
 *   c.send('A1 CAPABILITY');                       // CRLF appended
 *   const lines = await c.readUntil(/^A1 /);         // ['* CAPABILITY ...', 'A1 OK ...']
 *   await c.starttls();                              // after the server said OK to STARTTLS
 *   await c.close();
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { connect as netConnect, type Socket } from 'node:net';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { waitUntil } from './wait.js';

// Read timeouts are hang guards: they stay real when a test fakes the global timers (mock.timers).
const { setTimeout, clearTimeout } = globalThis;

export interface ConnectOptions {
  /** Implicit TLS (the certificate is not verified). */
  tls?: boolean;
  host?: string;
  /** Bind the client side to this address, e.g. '127.0.0.2' to appear as a non-trusted peer. */
  localAddress?: string;
  /** Default timeout of every read, in ms. */
  timeoutMs?: number;
}

export interface LineClient {
  readonly socket: Socket;
  /** Sends `text`, adding CRLF unless it already ends with a newline. */
  send(text: string): void;
  /** Sends bytes exactly as given (literals, pipelining, partial lines). */
  write(data: string | Buffer): void;
  /** The next line, without its CRLF. */
  readLine(timeoutMs?: number): Promise<string>;
  /** Lines up to and including the first one matching `pattern`. */
  readUntil(pattern: RegExp, timeoutMs?: number): Promise<string[]>;
  /** Exactly `n` raw bytes (e.g. an IMAP literal's content). */
  readBytes(n: number, timeoutMs?: number): Promise<Buffer>;
  /** Client side of STARTTLS/STLS: call after the server's go-ahead line has been read. */
  starttls(): Promise<void>;
  /** Resolves when the server closes the connection (rejects on timeout). */
  waitClosed(timeoutMs?: number): Promise<void>;
  readonly closed: boolean;
  /** Bytes received but not read yet, as text (debugging). */
  pending(): string;
  /** Ends the connection and waits for the socket to close. */
  close(): Promise<void>;
}

export async function connect(port: number, options: ConnectOptions = {}): Promise<LineClient> {
  const host = options.host ?? '127.0.0.1';
  const defaultTimeout = options.timeoutMs ?? 5_000;
  const socket = await open(port, host, options);
  return new SocketLineClient(socket, defaultTimeout);
}

function open(port: number, host: string, options: ConnectOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const bind = options.localAddress ? { localAddress: options.localAddress } : {};
    const socket = options.tls
      ? tlsConnect({ port, host, ...bind, rejectUnauthorized: false })
      : netConnect({ port, host, ...bind });
    socket.once('error', reject);
    socket.once(options.tls ? 'secureConnect' : 'connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

class SocketLineClient implements LineClient {
  socket: Socket;
  closed = false;
  private buffer = Buffer.alloc(0);
  /** Pending reads, woken (in order) whenever input, an error or the close arrives. */
  private waiters: Array<() => void> = [];
  private error: Error | null = null;

  constructor(
    socket: Socket,
    private readonly defaultTimeout: number,
  ) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.notify();
    });
    socket.on('error', (err) => {
      this.error = err;
      this.notify();
    });
    socket.on('close', () => {
      if (socket !== this.socket) return;
      this.closed = true;
      this.notify();
    });
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  send(text: string): void {
    this.socket.write(text.endsWith('\n') ? text : `${text}\r\n`);
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  readLine(timeoutMs = this.defaultTimeout): Promise<string> {
    return this.waitFor(timeoutMs, 'a line', () => {
      const end = this.buffer.indexOf(0x0a);
      if (end < 0) return undefined;
      const line = this.buffer.subarray(0, end > 0 && this.buffer[end - 1] === 0x0d ? end - 1 : end);
      this.buffer = this.buffer.subarray(end + 1);
      return line.toString('utf8');
    });
  }

  async readUntil(pattern: RegExp, timeoutMs = this.defaultTimeout): Promise<string[]> {
    const lines: string[] = [];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = await this.readLine(Math.max(1, deadline - Date.now())).catch((err: Error) => {
        throw new Error(`${err.message}; waiting for ${pattern}, lines so far: ${JSON.stringify(lines)}`);
      });
      lines.push(line);
      if (pattern.test(line)) return lines;
    }
  }

  readBytes(n: number, timeoutMs = this.defaultTimeout): Promise<Buffer> {
    return this.waitFor(timeoutMs, `${n} bytes`, () => {
      if (this.buffer.length < n) return undefined;
      const bytes = this.buffer.subarray(0, n);
      this.buffer = this.buffer.subarray(n);
      return Buffer.from(bytes);
    });
  }

  async starttls(): Promise<void> {
    const plain = this.socket;
    plain.removeAllListeners('data');
    const secure: TLSSocket = await new Promise((resolve, reject) => {
      const s = tlsConnect({ socket: plain, rejectUnauthorized: false });
      s.once('error', reject);
      s.once('secureConnect', () => {
        s.off('error', reject);
        resolve(s);
      });
    });
    this.socket = secure;
    this.attach(secure);
  }

  waitClosed(timeoutMs = this.defaultTimeout): Promise<void> {
    return this.waitFor(
      timeoutMs,
      'the server to close the connection',
      () => (this.closed ? true : undefined),
      {
        closedIsResult: true,
      },
    ).then(() => undefined);
  }

  pending(): string {
    return this.buffer.toString('utf8');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const done = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.end();
    const timer = setTimeout(() => this.socket.destroy(), 1_000);
    await done;
    clearTimeout(timer);
  }

  /** Polls `take` whenever input arrives, until it returns a value, the socket closes, or time runs out. */
  private waitFor<T>(
    timeoutMs: number,
    what: string,
    take: () => T | undefined,
    options: { closedIsResult?: boolean } = {},
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== attempt);
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; pending: ${JSON.stringify(this.pending())}`,
          ),
        );
      }, timeoutMs);
      const attempt = () => {
        const value = take();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else if (this.error && !options.closedIsResult) {
          clearTimeout(timer);
          reject(this.error);
        } else if (this.closed && !options.closedIsResult) {
          clearTimeout(timer);
          reject(
            new Error(
              `connection closed while waiting for ${what}; pending: ${JSON.stringify(this.pending())}`,
            ),
          );
        } else {
          this.waiters.push(attempt);
        }
      };
      attempt();
    });
  }
}

/** The server's end of connections accepted by this process (test servers run in-process). */
export interface ServerEnds {
  /** The server-side socket of `client`'s connection, once accepted (ask while it is open). */
  of(client: LineClient): Promise<Socket>;
  /** Stops watching new connections. */
  stop(): void;
}

/** Watches the connections this process accepts from now on (diagnostics channel 'net.server.socket'). */
export function watchServerEnds(): ServerEnds {
  // Forgotten once closed, so a long run (fuzzing) does not keep every socket alive.
  const accepted = new Map<Socket, number | undefined>();
  const onAccept = (message: unknown) => {
    const { socket } = message as { socket: Socket };
    accepted.set(socket, socket.remotePort);
    socket.once('close', () => accepted.delete(socket));
  };
  subscribe('net.server.socket', onAccept);
  return {
    async of(client) {
      const port = client.socket.localPort;
      const find = () => [...accepted].find(([, remotePort]) => remotePort === port)?.[0];
      await waitUntil(() => find() !== undefined, `the server to accept the connection from port ${port}`);
      return find() as Socket;
    },
    stop: () => unsubscribe('net.server.socket', onAccept),
  };
}

/**
 * True while the server is blocked on a client that does not read: its last write returned false, it
 * waits for 'drain', and the kernel refuses more bytes (libuv still holds some). With the client
 * paused nothing can drain, so this lasts until the client reads: the point where a test knows the
 * server has done all it will do for a paused client, without guessing how long that takes.
 */
export function serverBlocked(serverSide: Socket): boolean {
  const handle = (serverSide as unknown as { _handle?: { writeQueueSize?: number } })._handle;
  return (
    serverSide.writableNeedDrain && serverSide.listenerCount('drain') > 0 && (handle?.writeQueueSize ?? 0) > 0
  );
}
