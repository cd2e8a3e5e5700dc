/**
 * Issue 5 "Limits", across listeners with small configured values: connections per IP (each listener
 * refuses the extra connection with a reason, other listeners unaffected), connections per user, too
 * many bad commands (closed with a reason), idle timeouts (IMAP, POP3, SMTP, LMTP).
 * The slow-reader (backpressure) checks are in slow-reader.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type LineClient, watchServerEnds } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';
import { imapConnect, imapLogin, quote } from './helpers/imap.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';

const USER = 'limits@example.org';
const PASSWORD = 'limits-password';
/** Used by the "ended sessions" tests only, so lingering sockets there cannot hold USER's slots. */
const LINGER_USER = 'linger@example.org';
const MAX_PER_IP = 3;
const SESSIONS_IN_A_ROW = 3 * MAX_PER_IP;
const MAX_PER_USER = 2;
const MAX_BAD = 5;
let srv: TestServer;

before(async () => {
  srv = await startTestServer({
    limits: {
      maxConnectionsPerIp: MAX_PER_IP,
      maxConnectionsPerUser: MAX_PER_USER,
      maxBadCommands: MAX_BAD,
    },
    pop3: { concurrentSessions: 'snapshot' },
  });
  await srv.addUser(USER, PASSWORD);
});
after(() => srv.close());

/** Everything the server sends until it closes the connection. */
async function linesUntilClosed(c: LineClient, timeoutMs = 10_000): Promise<string[]> {
  const lines: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      lines.push(await c.readLine(Math.max(1, deadline - Date.now())));
    } catch (err) {
      if (c.closed) return lines;
      throw new Error(`${(err as Error).message}; lines so far: ${JSON.stringify(lines)}`);
    }
  }
}

describe('connections per IP', () => {
  const refusals: Record<string, RegExp> = {
    imap: /^\* BYE .*(too many|connections)/i,
    pop3: /^-ERR .*(too many|connections)/i,
    smtp: /^421 .*(too many|connections)/i,
    submission: /^421 .*(too many|connections)/i,
    // LMTP is exempt by design (src/server/delivery/lmtp.ts: its peers are local MTAs).
  };
  for (const [listener, refusal] of Object.entries(refusals)) {
    test(`${listener}: connection ${MAX_PER_IP + 1} from one address is refused with a reason`, async () => {
      const ip = `127.0.1.${Object.keys(refusals).indexOf(listener) + 1}`;
      const open: LineClient[] = [];
      try {
        for (let i = 0; i < MAX_PER_IP; i++) {
          const c = await connect(srv.ports[listener]!, { localAddress: ip });
          assert.doesNotMatch(await c.readLine(), refusal);
          open.push(c);
        }
        const extra = await connect(srv.ports[listener]!, { localAddress: ip });
        const lines = await linesUntilClosed(extra);
        assert.match(lines.join('\n'), refusal, `refusal on ${listener}: ${lines.join(' | ')}`);
        const other = await connect(srv.ports[listener]!, { localAddress: `${ip}0` });
        assert.doesNotMatch(await other.readLine(), refusal, 'another address is served');
        other.socket.destroy();
        const otherListener = listener === 'imap' ? 'pop3' : 'imap';
        const sameIpElsewhere = await connect(srv.ports[otherListener]!, { localAddress: ip });
        assert.doesNotMatch(await sameIpElsewhere.readLine(), /BYE|^-ERR|^421/, 'the limit is per listener');
        sameIpElsewhere.socket.destroy();
      } finally {
        for (const c of open) c.socket.destroy();
      }
    });
  }
});

describe('ended sessions free their per-IP slot', () => {
  // A client that pipelines after QUIT/LOGOUT and then closes: the server has ended the session and
  // must notice the client's close, instead of keeping the socket (and its per-IP slot) until a linger
  // timer fires. Found by the pop3-session fuzz target (per-IP refusals after many sessions).
  // Its own server: the 1 s idle timeouts of the shared one would hide a lingering socket.
  let own: TestServer;
  before(async () => {
    own = await startTestServer({ limits: { maxConnectionsPerIp: MAX_PER_IP } });
    await own.addUser(LINGER_USER, PASSWORD);
  });
  after(() => own.close());
  const cases = {
    pop3: { login: [`USER ${LINGER_USER}`, `PASS ${PASSWORD}`], goodbye: 'QUIT', more: 'NOOP' },
    imap: { login: [`l LOGIN ${LINGER_USER} ${quote(PASSWORD)}`], goodbye: 'q LOGOUT', more: 'n NOOP' },
  };
  for (const [listener, { login, goodbye, more }] of Object.entries(cases)) {
    test(`${listener}: ${SESSIONS_IN_A_ROW} sessions in a row ending with ${goodbye.split(' ').pop()} + pipelined data`, async (t) => {
      // Fake setTimeout (the server is in this process): its linger timers, which destroy a socket whose
      // peer never closes, cannot fire, so a slot can only be freed by the server noticing the close.
      t.mock.timers.enable({ apis: ['setTimeout'] });
      const ends = watchServerEnds();
      t.after(() => ends.stop());
      const ip = `127.0.2.${Object.keys(cases).indexOf(listener) + 1}`;
      for (let i = 0; i < SESSIONS_IN_A_ROW; i++) {
        const c = await connect(own.ports[listener]!, { localAddress: ip });
        const serverSide = await ends.of(c);
        let serverClosed = false;
        // Added after the listener's own 'close' handler, so the slot is free when this one runs.
        serverSide.once('close', () => (serverClosed = true));
        assert.doesNotMatch(await c.readLine(), /^(\* BYE|-ERR)/, `session ${i + 1} refused`);
        for (const line of login) {
          c.send(line);
          await c.readUntil(/^(\+OK|-ERR|l )/);
        }
        c.send(goodbye);
        await new Promise((r) => setImmediate(r));
        c.send(more);
        await linesUntilClosed(c);
        await waitUntil(() => serverClosed, `the server to close session ${i + 1} after the client did`);
      }
    });
  }
});

describe('connections per user', () => {
  test(`IMAP: login ${MAX_PER_USER + 1} of one user is refused; a slot frees when a session ends`, async () => {
    const sessions = [];
    try {
      for (let i = 0; i < MAX_PER_USER; i++) sessions.push(await imapLogin(srv.ports.imap!, USER, PASSWORD));
      const extra = await imapConnect(srv.ports.imap!);
      const status = (await extra.run(`LOGIN ${USER} ${quote(PASSWORD)}`)).at(-1)!;
      extra.close();
      assert.match(status, /^s\d+ NO/, 'too many sessions for one user');
      sessions.shift()!.close();
      // The slot frees once the server has seen the close: wait for that, then log in once.
      const account = (await srv.ctx.store.getAccount(USER))!;
      await waitUntil(
        () => srv.ctx.userConnections!.count('imap', account.id) < MAX_PER_USER,
        "the server to free the ended session's slot",
      );
      sessions.push(await imapLogin(srv.ports.imap!, USER, PASSWORD));
    } finally {
      for (const s of sessions) s.close();
    }
  });

  test(`POP3 (snapshot mode): login ${MAX_PER_USER + 1} of one user is refused`, async () => {
    const sessions = [];
    try {
      for (let i = 0; i < MAX_PER_USER; i++) {
        const p = await pop3Connect(srv.ports.pop3!);
        sessions.push(p);
        assert.match(await pop3UserPass(p, USER, PASSWORD), /^\+OK/);
      }
      const extra = await pop3Connect(srv.ports.pop3!);
      sessions.push(extra);
      assert.match(await pop3UserPass(extra, USER, PASSWORD), /^-ERR/);
    } finally {
      for (const s of sessions) s.close();
    }
  });
});

describe('too many bad commands', () => {
  test('IMAP: BYE with a reason after the limit, then closed', async () => {
    const c = await connect(srv.ports.imap!);
    await c.readLine();
    for (let i = 0; i < MAX_BAD + 2; i++) c.send(`b${i} FROBNICATE`);
    const lines = await linesUntilClosed(c);
    assert.match(lines.at(-1) ?? '', /^\* BYE .*(bad|error|many)/i, lines.join(' | '));
    assert.ok(lines.filter((l) => / BAD /.test(l)).length <= MAX_BAD, 'closed at the configured limit');
  });

  test('POP3: -ERR with a reason after the limit, then closed', async () => {
    const c = await connect(srv.ports.pop3!);
    await c.readLine();
    for (let i = 0; i < MAX_BAD + 2; i++) c.send(`FROBNICATE ${i}`);
    const lines = await linesUntilClosed(c);
    assert.match(lines.at(-1) ?? '', /^-ERR .*(bad|many)/i, lines.join(' | '));
    assert.ok(lines.length <= MAX_BAD + 1, `closed at the configured limit: ${lines.join(' | ')}`);
  });

  for (const listener of ['smtp', 'submission', 'lmtp']) {
    /** Sends 30 unknown commands; returns every reply until the server closes. */
    const flood = async () => {
      const c = await connect(srv.ports[listener]!);
      await c.readLine();
      for (let i = 0; i < 30; i++) c.send(`FROBNICATE ${i}`);
      const lines = await linesUntilClosed(c);
      return { lines, refused: lines.filter((l) => /^5\d\d /.test(l)).length };
    };

    test(`${listener.toUpperCase()}: too many unknown commands end with 421 and a reason, then closed`, async () => {
      const { lines } = await flood();
      assert.match(lines.at(-1) ?? '', /^421 .*(unrecognized|many|bad)/i, lines.join(' | '));
    });

    test(`${listener.toUpperCase()}: the close comes after limits.maxBadCommands (${MAX_BAD})`, async () => {
      const { refused } = await flood();
      assert.ok(refused < MAX_BAD, `closed after ${refused} bad commands, limit ${MAX_BAD}`);
    });
  }
});

describe('idle timeouts (1 s configured)', () => {
  // Its own server: 1 s timeouts on the shared one could close the other tests' connections under load.
  let idle: TestServer;
  before(async () => {
    // Cheap password hashing: a login must not take a good part of the 1 s timeout on a busy machine.
    idle = await startTestServer(
      { limits: { imapIdleTimeout: 1, pop3IdleTimeout: 1, smtpIdleTimeout: 1 } },
      { auth: { scrypt: { N: 1024, r: 8, p: 1 } } },
    );
    await idle.addUser(USER, PASSWORD);
  });
  after(() => idle.close());

  test('IMAP: an idle logged-in session gets BYE and is closed', async () => {
    const imap = await imapLogin(idle.ports.imap!, USER, PASSWORD);
    const lines = await linesUntilClosed(imap.client);
    assert.match(lines.join('\n'), /^\* BYE/m);
  });

  test('POP3: an idle session is closed', async () => {
    const pop3 = await pop3Connect(idle.ports.pop3!);
    await linesUntilClosed(pop3.client);
  });

  for (const listener of ['smtp', 'submission', 'lmtp']) {
    test(`${listener.toUpperCase()}: an idle session gets 421 and is closed`, async () => {
      const c = await connect(idle.ports[listener]!);
      await c.readLine();
      const lines = await linesUntilClosed(c);
      assert.match(lines.join('\n'), /^421 /m);
    });
  }
});
