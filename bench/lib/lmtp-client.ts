/**
 * A minimal LMTP (RFC 2033) client for the benchmarks, raw socket and no library, so both servers see
 * exactly the same client: LHLO once, then MAIL/RCPT/DATA per message, waiting for the final 250 (the
 * server's durability point) before the next.
 */
import { connect, type Socket } from 'node:net';

export class LmtpConnection {
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
  }

  static async open(port: number): Promise<LmtpConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new LmtpConnection(socket);
    await c.expect(/^220 /);
    socket.write('LHLO bench.example\r\n');
    await c.expect(/^250 /);
    return c;
  }

  private line(): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Skips continuation lines; a 4xx/5xx final line is an error (the bench expects every delivery to pass). */
  private async expect(final: RegExp): Promise<void> {
    for (;;) {
      const line = await this.line();
      if (line[3] === '-') continue;
      if (!final.test(line)) throw new Error(`LMTP: unexpected reply ${line}`);
      return;
    }
  }

  /** `block`: the message dot-stuffed, terminator included (dotStuff). */
  async deliver(recipient: string, block: Buffer): Promise<void> {
    this.socket.write(`MAIL FROM:<bench@example.net>\r\nRCPT TO:<${recipient}>\r\nDATA\r\n`);
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
