/**
 * Issue 5 "Brute force", end to end over IMAP, POP3 and SMTP submission AUTH (inbound SMTP has no
 * AUTH): failures are counted per IP and per account across reconnects and protocols, then the key is
 * blocked (the right password is refused too) until the block expires; a success resets the account's
 * counter. Client addresses 127.0.0.x keep the per-IP counters apart.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/server/auth/password.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { imapConnect, quote } from './helpers/imap.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';
import { smtpConnect } from './helpers/smtp.js';

const PASSWORD = 'right-password';
const MAX_FAILURES = 3;
let srv: TestServer;

before(async () => {
  srv = await startTestServer({
    limits: { maxAuthFailures: MAX_FAILURES, authBlockSeconds: 1.5 },
    listeners: { smtp: { enabled: false }, lmtp: { enabled: false } },
  });
  assert.ok(srv.ports.submission, 'the submission listener runs');
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'])
    await srv.addUser(`${user}@example.org`, PASSWORD);
});
after(() => srv.close());

/** One IMAP LOGIN on a fresh connection from `ip`; true when OK. */
async function imapLogin(ip: string, login: string, password: string): Promise<boolean> {
  const imap = await imapConnect(srv.ports.imap!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    const status = (await imap.run(`LOGIN ${quote(login)} ${quote(password)}`)).at(-1) ?? '';
    if (!/^s\d+ OK/.test(status)) assert.match(status, /^s\d+ NO \[(AUTHENTICATIONFAILED|UNAVAILABLE)\]/);
    return /^s\d+ OK/.test(status);
  } finally {
    imap.close();
  }
}

/** One IMAP AUTHENTICATE PLAIN (SASL-IR) on a fresh connection. */
async function imapSaslPlain(ip: string, login: string, password: string): Promise<boolean> {
  const imap = await imapConnect(srv.ports.imap!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    const ir = Buffer.from(`\0${login}\0${password}`).toString('base64');
    return /^s\d+ OK/.test((await imap.run(`AUTHENTICATE PLAIN ${ir}`)).at(-1) ?? '');
  } finally {
    imap.close();
  }
}

/** One POP3 USER/PASS on a fresh connection. */
async function pop3Login(ip: string, login: string, password: string): Promise<boolean> {
  const pop3 = await pop3Connect(srv.ports.pop3!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    const reply = await pop3UserPass(pop3, login, password);
    if (!reply.startsWith('+OK')) assert.match(reply, /^-ERR \[(AUTH|SYS\/TEMP)\]/);
    return reply.startsWith('+OK');
  } finally {
    pop3.close();
  }
}

/** One SMTP submission AUTH PLAIN on a fresh connection (loopback: AUTH allowed before STARTTLS). */
async function submissionAuth(ip: string, login: string, password: string): Promise<boolean> {
  const smtp = await smtpConnect(srv.ports.submission!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    await smtp.cmd('EHLO client.example');
    const ir = Buffer.from(`\0${login}\0${password}`).toString('base64');
    const reply = (await smtp.cmd(`AUTH PLAIN ${ir}`)).at(-1)!;
    if (!reply.startsWith('235')) assert.match(reply, /^(535|454) /);
    return reply.startsWith('235');
  } finally {
    smtp.close();
  }
}

const throttle = () =>
  (srv.ctx.auth as unknown as { throttle: { failures(k: string, key: string): number } }).throttle;

async function eventually(attempt: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 40; i++) {
    if (await attempt()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(what);
}

test('failures from one IP on new connections and both protocols add up, then the right password is refused', async () => {
  const ip = '127.0.0.11';
  assert.equal(await imapLogin(ip, 'alice@example.org', 'wrong-1'), false);
  assert.equal(await pop3Login(ip, 'alice@example.org', 'wrong-2'), false);
  assert.equal(throttle().failures('ip', ip), 2, 'counted across reconnects and protocols');
  assert.equal(await submissionAuth(ip, 'bob@example.org', 'wrong-3'), false);
  // The IP is blocked now: even correct credentials of an untouched account fail, in every protocol.
  assert.equal(await imapLogin(ip, 'carol@example.org', PASSWORD), false, 'IMAP LOGIN blocked');
  assert.equal(await imapSaslPlain(ip, 'carol@example.org', PASSWORD), false, 'IMAP AUTHENTICATE blocked');
  assert.equal(await pop3Login(ip, 'carol@example.org', PASSWORD), false, 'POP3 blocked');
  assert.equal(await submissionAuth(ip, 'carol@example.org', PASSWORD), false, 'SMTP AUTH blocked');
  // Another address is not affected, and the block ends.
  assert.equal(await imapLogin('127.0.0.12', 'carol@example.org', PASSWORD), true);
  await eventually(() => imapLogin(ip, 'carol@example.org', PASSWORD), 'the IP block never expired');
});

test('failures for one account from many IPs block that account everywhere', async () => {
  for (const [i, ip] of ['127.0.0.21', '127.0.0.22', '127.0.0.23'].entries()) {
    const attempt = [imapLogin, pop3Login, submissionAuth][i]!;
    assert.equal(await attempt(ip, 'dave@example.org', `wrong-${i}`), false);
  }
  assert.equal(await imapLogin('127.0.0.24', 'dave@example.org', PASSWORD), false, 'account blocked (IMAP)');
  assert.equal(await pop3Login('127.0.0.25', 'dave@example.org', PASSWORD), false, 'account blocked (POP3)');
  assert.equal(
    await submissionAuth('127.0.0.27', 'dave@example.org', PASSWORD),
    false,
    'account blocked (SMTP)',
  );
  assert.equal(
    await imapLogin('127.0.0.24', 'erin@example.org', PASSWORD),
    true,
    'other accounts unaffected',
  );
  await eventually(
    () => pop3Login('127.0.0.26', 'dave@example.org', PASSWORD),
    'the account block never expired',
  );
});

test("a success resets the account's counter", async () => {
  const login = 'erin@example.org';
  assert.equal(await imapLogin('127.0.0.31', login, 'wrong-a'), false);
  assert.equal(await submissionAuth('127.0.0.32', login, 'wrong-b'), false);
  assert.equal(throttle().failures('login', login), MAX_FAILURES - 1);
  assert.equal(await imapLogin('127.0.0.33', login, PASSWORD), true);
  assert.equal(throttle().failures('login', login), 0);
  // Two more failures would have blocked the account without the reset.
  assert.equal(await pop3Login('127.0.0.34', login, 'wrong-c'), false);
  assert.equal(await imapSaslPlain('127.0.0.35', login, 'wrong-d'), false);
  assert.equal(
    await imapLogin('127.0.0.36', login, PASSWORD),
    true,
    'not blocked: the success reset the count',
  );
});

test('no account enumeration: an unknown login and a wrong password get the same answers', async () => {
  const answers = async (login: string, ip: string) => {
    const imap = await imapConnect(srv.ports.imap!, { localAddress: ip, timeoutMs: 15_000 });
    const pop3 = await pop3Connect(srv.ports.pop3!, { localAddress: ip, timeoutMs: 15_000 });
    try {
      const imapStatus = (await imap.run(`LOGIN ${quote(login)} "not-the-password"`))
        .at(-1)!
        .replace(/^s\d+ /, '');
      const user = await pop3.cmd(`USER ${login}`);
      const pass = await pop3.cmd('PASS not-the-password');
      return { imapStatus, user, pass };
    } finally {
      imap.close();
      pop3.close();
    }
  };
  assert.deepEqual(
    await answers('nobody@example.org', '127.0.0.41'),
    await answers('frank@example.org', '127.0.0.42'),
  );
});

test('a password changed in the store by another process (postyard user passwd) takes effect at once', async () => {
  const login = 'frank@example.org';
  assert.equal(await imapLogin('127.0.0.51', login, PASSWORD), true);
  assert.equal(
    await imapLogin('127.0.0.51', login, PASSWORD),
    true,
    'second login (served from the auth cache)',
  );
  // What the CLI does from its own process: a new hash in the store, no call into the server's cache.
  await srv.ctx.store.setPasswordHash(login, await hashPassword('new-password'));
  assert.equal(await imapLogin('127.0.0.52', login, PASSWORD), false, 'the old password no longer works');
  assert.equal(await pop3Login('127.0.0.53', login, PASSWORD), false, 'not over POP3 either');
  assert.equal(await imapLogin('127.0.0.54', login, 'new-password'), true);
});
