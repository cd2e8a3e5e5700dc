/**
 * A minimal raw IMAP client for benchmarks: sends one tagged command and counts the bytes of the answer
 * without buffering it, so the client costs as little as possible and is the same for every server.
 */
import { connect, type Socket } from 'node:net';

export interface TimedResult {
  ms: number;
  bytes: number;
  /** The tagged status line, without the tag (e.g. "OK [READ-WRITE] Select completed"). */
  status: string;
}

export class ImapTimer {
  private tagCounter = 0;
  private waiting: {
    tag: Buffer;
    resolve: (answer: { bytes: number; status: string }) => void;
    bytes: number;
    tail: Buffer;
    /** Set by query(): the whole answer is kept (for small answers whose values the bench needs). */
    chunks?: Buffer[];
  } | null = null;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A server that closes the connection (BYE) must fail the command, not leave the benchmark waiting.
    socket.on('close', () => {
      const w = this.waiting;
      this.waiting = null;
      w?.resolve({ bytes: w.bytes, status: 'connection closed' });
    });
  }

  static async open(port: number, login: string, password: string): Promise<ImapTimer> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const timer = new ImapTimer(socket);
    await timer.waitGreeting();
    await timer.run(`LOGIN "${login}" "${password}"`);
    return timer;
  }

  /** Sends a command and resolves when its tagged answer arrives. */
  async run(command: string | Buffer): Promise<TimedResult> {
    const tag = `Zb${++this.tagCounter}`;
    const start = process.hrtime.bigint();
    const done = new Promise<{ bytes: number; status: string }>((resolve) => {
      this.waiting = { tag: Buffer.from(`\r\n${tag} `), resolve, bytes: 0, tail: Buffer.from('\r\n') };
    });
    this.socket.write(
      typeof command === 'string'
        ? `${tag} ${command}\r\n`
        : Buffer.concat([Buffer.from(`${tag} `), command]),
    );
    const { bytes, status } = await done;
    return { ms: Number(process.hrtime.bigint() - start) / 1e6, bytes, status };
  }

  /** Sends a command and returns its whole answer as text (untimed; for small answers only). */
  async query(command: string): Promise<string> {
    const tag = `Zq${++this.tagCounter}`;
    const chunks: Buffer[] = [];
    const done = new Promise<{ bytes: number; status: string }>((resolve) => {
      this.waiting = {
        tag: Buffer.from(`\r\n${tag} `),
        resolve,
        bytes: 0,
        tail: Buffer.from('\r\n'),
        chunks,
      };
    });
    this.socket.write(`${tag} ${command}\r\n`);
    await done;
    return Buffer.concat(chunks).toString('latin1');
  }

  close(): void {
    this.socket.destroy();
  }

  private greeting: (() => void) | null = null;
  private waitGreeting(): Promise<void> {
    return new Promise((resolve) => {
      this.greeting = resolve;
    });
  }

  private onData(chunk: Buffer): void {
    if (this.greeting) {
      this.greeting();
      this.greeting = null;
      return;
    }
    const w = this.waiting;
    if (!w) return;
    w.bytes += chunk.length;
    w.chunks?.push(Buffer.from(chunk));
    // The tagged line ends the answer and is short: look only at the end of the data, copying nothing
    // unless the chunk is too small to hold the whole line.
    const joined = chunk.length >= 600 ? chunk.subarray(chunk.length - 600) : Buffer.concat([w.tail, chunk]);
    const at = joined.lastIndexOf(w.tag);
    const end = at >= 0 ? joined.indexOf('\r\n', at + w.tag.length) : -1;
    if (end >= 0) {
      this.waiting = null;
      w.resolve({ bytes: w.bytes, status: joined.subarray(at + w.tag.length, end).toString() });
      return;
    }
    w.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - 600)));
  }
}
