/**
 * A raw POP3 timing client: logs in, then sends RETR 1..n in one write (RFC 2449 PIPELINING) and counts
 * the multi-line terminators ("\r\n.\r\n" cannot occur inside a dot-stuffed body) until all n arrived.
 */
import { connect, type Socket } from 'node:net';

const TERMINATOR = Buffer.from('\r\n.\r\n');

export interface RetrTiming {
  ms: number;
  bytes: number;
  messages: number;
}

export async function timeRetrAll(port: number, user: string, password: string): Promise<RetrTiming> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  try {
    const reader = lineReader(socket);
    await expectOk(reader());
    socket.write(`USER ${user}\r\n`);
    await expectOk(reader());
    socket.write(`PASS ${password}\r\n`);
    await expectOk(reader());
    socket.write('STAT\r\n');
    const count = Number((await expectOk(reader())).split(' ')[1]);
    socket.removeAllListeners('data');

    let commands = '';
    for (let i = 1; i <= count; i++) commands += `RETR ${i}\r\n`;
    const start = process.hrtime.bigint();
    const bytes = await new Promise<number>((resolve, reject) => {
      let seen = 0;
      let total = 0;
      let tail = Buffer.alloc(0);
      const timer = setTimeout(() => reject(new Error(`timeout after ${seen}/${count} messages`)), 120_000);
      socket.on('data', (chunk: Buffer) => {
        total += chunk.length;
        // Terminators that straddle the previous chunk, then those inside this one.
        const edge = Buffer.concat([tail, chunk.subarray(0, TERMINATOR.length - 1)]);
        for (let i = edge.indexOf(TERMINATOR); i >= 0 && i < tail.length; i = edge.indexOf(TERMINATOR, i + 1))
          seen++;
        for (let i = chunk.indexOf(TERMINATOR); i >= 0; i = chunk.indexOf(TERMINATOR, i + 1)) seen++;
        tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - (TERMINATOR.length - 1))));
        if (seen >= count) {
          clearTimeout(timer);
          resolve(total);
        }
      });
      socket.write(commands);
    });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    socket.end('QUIT\r\n');
    return { ms, bytes, messages: count };
  } finally {
    socket.destroy();
  }
}

function lineReader(socket: Socket): () => Promise<string> {
  let buffer = '';
  const waiters: Array<(line: string) => void> = [];
  const lines: string[] = [];
  socket.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  return () => {
    const queued = lines.shift();
    return queued !== undefined ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
  };
}

async function expectOk(line: Promise<string>): Promise<string> {
  const text = await line;
  if (!text.startsWith('+OK')) throw new Error(`POP3: ${text}`);
  return text;
}
