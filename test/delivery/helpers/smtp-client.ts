/**
 * A deliberately dumb SMTP/LMTP client for tests that need exact replies or malformed input:
 * send raw lines, read complete (multi-line) replies.
 */
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';

export interface Reply {
  code: number;
  /** All lines of the reply, without CRLF. */
  lines: string[];
  /** The last line, e.g. "250 2.6.0 <u@x> Saved". */
  text: string;
}

export class RawSmtpClient {
  private buffer = '';
  private readonly replies: Reply[] = [];
  private waiters: Array<() => void> = [];
  private closed = false;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.parse();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<RawSmtpClient> {
    const socket = connect(port, host);
    await once(socket, 'connect');
    return new RawSmtpClient(socket);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Writes raw bytes (add your own CRLF). */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Sends one command line and returns its reply. */
  async command(line: string): Promise<Reply> {
    this.write(`${line}\r\n`);
    return this.read();
  }

  /** Next complete reply; rejects if the connection closes first. */
  async read(): Promise<Reply> {
    while (this.replies.length === 0) {
      if (this.closed) throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.replies.shift()!;
  }

  /** Reads `count` replies (LMTP answers DATA once per accepted recipient). */
  async readMany(count: number): Promise<Reply[]> {
    const out: Reply[] = [];
    for (let i = 0; i < count; i++) out.push(await this.read());
    return out;
  }

  /** Sends a message body after a 354, dot-stuffed, with the terminating ".". */
  sendData(message: string | Buffer): void {
    const text = Buffer.isBuffer(message) ? message.toString('latin1') : message;
    const stuffed = text.replace(/(^|\r\n)\./g, '$1..');
    this.write(Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1'));
  }

  close(): void {
    this.socket.destroy();
  }

  private parse(): void {
    let lines: string[] = [];
    for (;;) {
      const end = this.buffer.indexOf('\r\n');
      if (end === -1) break;
      const line = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      lines.push(line);
      if (line[3] !== '-') {
        this.replies.push({ code: Number(line.slice(0, 3)), lines, text: line });
        lines = [];
      }
    }
    // Keep an incomplete multi-line reply for the next chunk.
    if (lines.length > 0) this.buffer = `${lines.map((l) => `${l}\r\n`).join('')}${this.buffer}`;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
