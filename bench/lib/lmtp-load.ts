/**
 * Loads messages into a server over LMTP (RFC 2033), a few connections in parallel, so Postyard and
 * Dovecot get the same bytes through the same path. Minimal client: LHLO, then MAIL/RCPT/DATA per message.
 */
import { connect, type Socket } from 'node:net';
import { dotStuff } from '../../src/protocol/pop3/dot-stuffer.js';

class LmtpConnection {
  private buffer = '';
  private waiters: Array<(line: string) => void> = [];
  private lines: string[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => {
      this.buffer += text;
      for (let end = this.buffer.indexOf('\n'); end >= 0; end = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, end).replace(/\r$/, '');
        this.buffer = this.buffer.slice(end + 1);
        const waiter = this.waiters.shift();
        if (waiter) waiter(line);
        else this.lines.push(line);
      }
    });
  }

  static async open(port: number): Promise<LmtpConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new LmtpConnection(socket);
    await c.reply(/^220/);
    c.socket.write('LHLO bench.example\r\n');
    await c.reply(/^250 /);
    return c;
  }

  private line(): Promise<string> {
    const queued = this.lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Reads lines until one matches `final`; throws on a 4xx/5xx. */
  private async reply(final: RegExp): Promise<void> {
    for (;;) {
      const line = await this.line();
      if (/^[45]/.test(line)) throw new Error(`LMTP: ${line}`);
      if (final.test(line)) return;
    }
  }

  async deliver(recipient: string, message: Buffer): Promise<void> {
    this.socket.write(`MAIL FROM:<bench@example.org>\r\nRCPT TO:<${recipient}>\r\nDATA\r\n`);
    await this.reply(/^250 /);
    await this.reply(/^250 /);
    await this.reply(/^354/);
    this.socket.write(dotStuff(message));
    await this.reply(/^250 /);
  }

  close(): void {
    this.socket.end('QUIT\r\n');
  }
}

export async function loadViaLmtp(
  port: number,
  recipient: string,
  messages: Buffer[],
  connections = 4,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    const c = await LmtpConnection.open(port);
    try {
      while (next < messages.length) await c.deliver(recipient, messages[next++]!);
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}
