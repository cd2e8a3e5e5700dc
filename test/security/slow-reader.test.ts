/**
 * Issue 5 "a slow client that never reads cannot make the server buffer without bound": a 20 MB
 * message is fetched (IMAP FETCH BODY[], POP3 RETR), and 100 pipelined fetches of a 1 MB one, by a
 * client that pauses its socket. The server's
 * user-space write buffer for that socket (writableLength, sampled on every write) must stay small,
 * and the memory the process retains must stay far below the message size; once the client reads, every
 * byte arrives.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { after, before, type TestContext, test } from 'node:test';
import { constants, deflateRawSync } from 'node:zlib';
import { deliverMessage } from '../../src/server/delivery/deliver-message.js';
import { serverBlocked } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { imapLogin } from './helpers/imap.js';
import { retainedBytes } from './helpers/memory.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';

const USER = 'slow@example.org';
const PASSWORD = 'slow-password';
const MESSAGE_SIZE = 20 * 1024 * 1024;
const MiB = 1024 * 1024;
const MEDIUM_SIZE = MiB;
/** Pipelined commands each fetching the 1 MB message: 100 MB of replies for a client that never reads. */
const PIPELINED = 100;
let srv: TestServer;

before(async () => {
  srv = await startTestServer({
    limits: { maxMessageSize: 32 * MiB },
    listeners: { smtp: { enabled: false }, lmtp: { enabled: false } },
  });
  await srv.addUser(USER, PASSWORD);
  const line = `${'0123456789'.repeat(7)}abcd\r\n`;
  const header = `From: big@example.net\r\nSubject: big\r\nMessage-ID: <big@example.net>\r\n\r\n`;
  const body = line.repeat(Math.ceil((MESSAGE_SIZE - header.length) / line.length));
  const [outcome] = await deliverMessage(srv.ctx, { recipients: [USER], input: Buffer.from(header + body) });
  assert.ok(outcome?.ok, 'the big message is delivered');
  const medium = `From: m@example.net\r\nSubject: medium\r\n\r\n${line.repeat((MEDIUM_SIZE / line.length) | 0)}`;
  const [second] = await deliverMessage(srv.ctx, { recipients: [USER], input: Buffer.from(medium) });
  assert.ok(second?.ok, 'the 1 MB message is delivered');
});
after(() => srv.close());

/**
 * Records the largest writableLength of server-side sockets (local port = `port`) after any write, and
 * the sockets written to.
 */
function watchServerWrites(port: number): { max(): number; sockets: Set<Socket>; stop(): void } {
  const original = Socket.prototype.write;
  let max = 0;
  const sockets = new Set<Socket>();
  Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
    const result = (original as (...a: unknown[]) => boolean).apply(this, args);
    if (this.localPort === port) {
      sockets.add(this);
      max = Math.max(max, this.writableLength);
    }
    return result;
  } as typeof original;
  return { max: () => max, sockets, stop: () => (Socket.prototype.write = original) };
}

/**
 * Runs `send` (which pauses the client), waits until the server is blocked on it (serverBlocked: it
 * waits for 'drain' and the kernel takes nothing more, so it has done all it will for a client that
 * does not read), and asserts that the server's write buffer stayed under 4 MiB and memory grew by less
 * than `maxGrowth`, sampled while waiting and once blocked. A server that buffers without bound reaches
 * the 4 MiB before it ever blocks, or never blocks and fails the wait.
 */
async function assertBounded(
  t: TestContext,
  port: number,
  send: () => void,
  maxGrowth: number,
): Promise<void> {
  const watch = watchServerWrites(port);
  const before = retainedBytes();
  let peak = before;
  let samples = 0;
  try {
    send();
    await waitUntil(
      () => {
        // A full GC per sample: every 10th check is plenty (the server runs between them).
        if (samples++ % 10 === 0) peak = Math.max(peak, retainedBytes());
        return [...watch.sockets].some((socket) => serverBlocked(socket)) || watch.max() >= 4 * MiB;
      },
      'the server to block on the client that does not read',
      45_000,
    );
    peak = Math.max(peak, retainedBytes());
  } finally {
    watch.stop();
  }
  const maxBuffered = watch.max();
  const growth = peak - before;
  t.diagnostic(
    `server write buffer peak ${(maxBuffered / MiB).toFixed(2)} MiB, memory growth ${(growth / MiB).toFixed(1)} MiB`,
  );
  assert.ok(maxBuffered < 4 * MiB, `server buffered ${maxBuffered} bytes for one paused client`);
  assert.ok(growth < maxGrowth, `memory grew by ${growth} bytes while the client did not read`);
}

test('IMAP FETCH BODY[] of 20 MB to a client that does not read: bounded server buffering', {
  timeout: 60_000,
}, async (t) => {
  const imap = await imapLogin(srv.ports.imap!, USER, PASSWORD);
  try {
    await imap.ok('SELECT INBOX');
    await assertBounded(
      t,
      srv.ports.imap!,
      () => {
        imap.client.write('f1 FETCH 1 BODY[]\r\n');
        imap.client.socket.pause();
      },
      MESSAGE_SIZE / 4,
    );
    imap.client.socket.resume();
    const lines = await imap.client.readUntil(/^f1 /, 30_000);
    assert.match(lines[0]!, /^\* 1 FETCH \(.*BODY\[\] \{(\d+)\}$/);
    assert.ok(Number(/\{(\d+)\}$/.exec(lines[0]!)![1]) >= MESSAGE_SIZE);
    assert.match(lines.at(-1)!, /^f1 OK/);
  } finally {
    imap.close();
  }
});

test('IMAP FETCH BODY[] of 20 MB through COMPRESS=DEFLATE to a client that does not read: bounded', {
  timeout: 60_000,
}, async (t) => {
  // Base64 of random bytes: compressed it is still ~15 MB, more than the kernel's socket buffers take.
  const user = 'slow-compressed@example.org';
  await srv.addUser(user, PASSWORD);
  const text = randomBytes((MESSAGE_SIZE * 3) / 4)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  const message = Buffer.from(`From: big@example.net\r\nSubject: random\r\n\r\n${text}\r\n`);
  const [outcome] = await deliverMessage(srv.ctx, { recipients: [user], input: message });
  assert.ok(outcome?.ok);
  const imap = await imapLogin(srv.ports.imap!, user, PASSWORD);
  try {
    await imap.ok('SELECT INBOX');
    await imap.ok('COMPRESS DEFLATE');
    await assertBounded(
      t,
      srv.ports.imap!,
      () => {
        imap.client.write(
          deflateRawSync(Buffer.from('f1 FETCH 1 BODY[]\r\n'), { finishFlush: constants.Z_SYNC_FLUSH }),
        );
        imap.client.socket.pause();
      },
      MESSAGE_SIZE / 4,
    );
  } finally {
    imap.close();
  }
});

test('POP3 RETR of 20 MB to a client that does not read: bounded server buffering', {
  timeout: 60_000,
}, async (t) => {
  const pop3 = await pop3Connect(srv.ports.pop3!);
  try {
    assert.match(await pop3UserPass(pop3, USER, PASSWORD), /^\+OK/);
    await assertBounded(
      t,
      srv.ports.pop3!,
      () => {
        pop3.client.send('RETR 1');
        pop3.client.socket.pause();
      },
      MESSAGE_SIZE / 4,
    );
    pop3.client.socket.resume();
    const lines = await pop3.client.readUntil(/^\.$/, 30_000);
    assert.match(lines[0]!, /^\+OK/);
    assert.ok(lines.length > MESSAGE_SIZE / 80, `${lines.length} lines received`);
  } finally {
    pop3.close();
  }
});

test(`IMAP: ${PIPELINED} pipelined FETCH of 1 MB to a client that does not read: bounded`, {
  timeout: 60_000,
}, async (t) => {
  const imap = await imapLogin(srv.ports.imap!, USER, PASSWORD);
  try {
    await imap.ok('SELECT INBOX');
    await assertBounded(
      t,
      srv.ports.imap!,
      () => {
        imap.client.socket.pause();
        imap.client.write(Array.from({ length: PIPELINED }, (_, i) => `p${i} FETCH 2 BODY[]\r\n`).join(''));
      },
      16 * MiB,
    );
  } finally {
    imap.close();
  }
});

test(`POP3: ${PIPELINED} pipelined RETR of 1 MB to a client that does not read: bounded`, {
  timeout: 60_000,
}, async (t) => {
  const pop3 = await pop3Connect(srv.ports.pop3!);
  try {
    assert.match(await pop3UserPass(pop3, USER, PASSWORD), /^\+OK/);
    await assertBounded(
      t,
      srv.ports.pop3!,
      () => {
        pop3.client.socket.pause();
        pop3.client.write('RETR 2\r\n'.repeat(PIPELINED));
      },
      16 * MiB,
    );
  } finally {
    pop3.close();
  }
});
