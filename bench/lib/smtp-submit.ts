/**
 * Submission load for the outgoing benchmark: N parallel SMTP clients, each one connection that says
 * EHLO (and AUTH PLAIN when given credentials) once, then MAIL/RCPT/DATA per message, pipelined (RFC 2920;
 * both servers offer PIPELINING), waiting for the 250 after DATA before its next message. Raw sockets, so
 * Postyard and Postfix see exactly the same client.
 */
import { connect, type Socket } from 'node:net';

class SmtpConnection {
  private buffer = '';
  private lines: string[] = [];
  private waiter: ((line: string) => void) | null = null;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, end).replace(/\r$/, '');
        this.buffer = this.buffer.slice(end + 1);
        const waiter = this.waiter;
        this.waiter = null;
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
    socket.on('error', () => {});
  }

  static async open(port: number, auth?: { user: string; pass: string }): Promise<SmtpConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new SmtpConnection(socket);
    await c.expect(/^220 /);
    socket.write('EHLO bench.example\r\n');
    await c.expect(/^250 /);
    if (auth) {
      socket.write(`AUTH PLAIN ${Buffer.from(`\0${auth.user}\0${auth.pass}`).toString('base64')}\r\n`);
      await c.expect(/^235 /);
    }
    return c;
  }

  private line(): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Skips continuation lines; any other final reply is an error (every message must be accepted). */
  private async expect(final: RegExp): Promise<void> {
    for (;;) {
      const line = await this.line();
      if (line[3] === '-') continue;
      if (!final.test(line)) throw new Error(`SMTP: unexpected reply ${line}`);
      return;
    }
  }

  /** `block`: the message dot-stuffed, terminator included. */
  async send(from: string, to: string, block: Buffer): Promise<void> {
    this.socket.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${to}>\r\nDATA\r\n`);
    await this.expect(/^250 /);
    await this.expect(/^250 /);
    await this.expect(/^354/);
    this.socket.write(block);
    await this.expect(/^250 /);
  }

  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

export interface SubmitOptions {
  port: number;
  clients: number;
  count: number;
  /** Per client: credentials (Postyard) or none (Postfix trusts loopback), and its envelope sender. */
  client(index: number): { from: string; auth?: { user: string; pass: string } };
  /** The dot-stuffed message `index` from `from` to `to`. */
  message(index: number, from: string, to: string): Buffer;
  recipient(index: number): string;
  /** Called once every client is connected (and authenticated), right before the first MAIL. */
  onStart?(): void;
}

/** Sends `count` messages over `clients` connections; resolves with the time of the last 250. */
export async function submitAll(options: SubmitOptions): Promise<bigint> {
  const conns = await Promise.all(
    Array.from({ length: options.clients }, async (_, k) => {
      const { from, auth } = options.client(k);
      return { from, conn: await SmtpConnection.open(options.port, auth) };
    }),
  );
  options.onStart?.();
  // Client k sends messages k, k + clients, ...: its From: must be its own login's address (Postyard
  // checks it). A message is a small header plus a shared body, so building it costs microseconds.
  await Promise.all(
    conns.map(async ({ from, conn }, k) => {
      for (let i = k; i < options.count; i += conns.length) {
        const to = options.recipient(i);
        await conn.send(from, to, options.message(i, from, to));
      }
    }),
  );
  const done = process.hrtime.bigint();
  for (const { conn } of conns) conn.close();
  return done;
}
