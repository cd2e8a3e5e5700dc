/**
 * A minimal LMTP (RFC 2033) and SMTP (RFC 5321) client for the benchmarks, raw socket and no library, so
 * both servers of a comparison see exactly the same client: LHLO or EHLO (and AUTH PLAIN) once, then
 * MAIL/RCPT/DATA per message, pipelined, waiting for the final 250 (the server's durability point)
 * before the next. One recipient per message, so LMTP and SMTP both answer DATA with one reply.
 */
import { connect, type Socket } from 'node:net';

/** Calls `onLine` with every line the socket receives (latin1, without its CRLF or LF). */
export function onLines(socket: Socket, onLine: (line: string) => void): void {
  let buffer = '';
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    buffer += text;
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      onLine(line);
    }
  });
  socket.on('error', () => {});
}

export class TransferConnection {
  private lines: string[] = [];
  private waiter: ((line: string) => void) | null = null;

  private constructor(
    private readonly socket: Socket,
    private readonly protocol: 'LMTP' | 'SMTP',
  ) {
    socket.setNoDelay(true);
    onLines(socket, (line) => {
      const waiter = this.waiter;
      this.waiter = null;
      if (waiter) waiter(line);
      else this.lines.push(line);
    });
  }

  /** An LMTP session after LHLO. */
  static lmtp(port: number): Promise<TransferConnection> {
    return TransferConnection.open(port, 'LMTP');
  }

  /** An SMTP session after EHLO, authenticated with AUTH PLAIN when `auth` is given. */
  static smtp(port: number, auth?: { user: string; pass: string }): Promise<TransferConnection> {
    return TransferConnection.open(port, 'SMTP', auth);
  }

  private static async open(
    port: number,
    protocol: 'LMTP' | 'SMTP',
    auth?: { user: string; pass: string },
  ): Promise<TransferConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new TransferConnection(socket, protocol);
    await c.expect(/^220 /);
    socket.write(`${protocol === 'LMTP' ? 'LHLO' : 'EHLO'} bench.example\r\n`);
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

  /** Skips continuation lines; any other final reply is an error (the bench expects every message to pass). */
  private async expect(final: RegExp): Promise<void> {
    for (;;) {
      const line = await this.line();
      if (line[3] === '-') continue;
      if (!final.test(line)) throw new Error(`${this.protocol}: unexpected reply ${line}`);
      return;
    }
  }

  /** `block`: the message dot-stuffed, terminator included (dotStuff). */
  async send(recipient: string, block: Buffer, from = 'bench@example.net'): Promise<void> {
    this.socket.write(`MAIL FROM:<${from}>\r\nRCPT TO:<${recipient}>\r\nDATA\r\n`);
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
