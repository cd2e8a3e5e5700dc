/**
 * Times LMTP deliveries (RFC 2033) over N parallel connections: each connection says LHLO once, then
 * MAIL/RCPT/DATA per message and waits for the final 250 (the server's durability point) before the next.
 * Raw sockets, no library, so both servers see exactly the same client.
 */
import { connect, type Socket } from 'node:net';

export interface DeliveryTiming {
  connections: number;
  messages: number;
  bytes: number;
  ms: number;
}

/** RFC 5321 4.5.2 transparency: a line starting with "." gets another one; then the terminating ".". */
function dataBlock(message: Buffer): Buffer {
  const text = message.toString('latin1').replace(/(^|\r\n)\./g, '$1..');
  return Buffer.from(`${text}${text.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
}

class TimedLmtpConnection {
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

  static async open(port: number): Promise<TimedLmtpConnection> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const c = new TimedLmtpConnection(socket);
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

/** Delivers messages[0..count) (cycling), message i to recipientOf(i), over `connections` connections. */
export async function timeLmtpDeliveries(
  port: number,
  recipientOf: (index: number) => string,
  messages: Buffer[],
  options: { connections: number; count: number },
): Promise<DeliveryTiming> {
  const blocks = messages.map(dataBlock);
  const conns = await Promise.all(
    Array.from({ length: options.connections }, () => TimedLmtpConnection.open(port)),
  );
  let next = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    conns.map(async (c) => {
      while (next < options.count) {
        const i = next++;
        const message = messages[i % messages.length]!;
        bytes += message.length;
        await c.deliver(recipientOf(i), blocks[i % blocks.length]!);
      }
    }),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  for (const c of conns) c.close();
  return { connections: options.connections, messages: options.count, bytes, ms };
}
