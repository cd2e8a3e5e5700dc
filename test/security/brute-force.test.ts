/**
 * Issues 5 and 13 "Brute force", end to end over IMAP, POP3 and SMTP submission AUTH (inbound SMTP has
 * no AUTH): failures are counted across reconnects and protocols; an address is blocked for an account
 * after maxAuthFailures (and for every account after 3× as many), the right password from that address
 * is then refused as throttled (UNAVAILABLE / SYS/TEMP / 454), never as a wrong password, until the
 * block expires. An account attacked from other addresses is never locked: its owner logs in.
 * Client addresses 127.0.0.x keep the per-address counters apart.
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
/** The failure delays the service asked for, instead of waiting them (they are unit-tested). */
const delays: number[] = [];
/** When blocks end: the tests move this clock instead of sleeping. */
const clock = { t: Date.now(), now: () => clock.t };

before(async () => {
  srv = await startTestServer(
    {
      limits: { maxAuthFailures: MAX_FAILURES, authBlockSeconds: 60 },
      listeners: { smtp: { enabled: false }, lmtp: { enabled: false } },
    },
    { auth: { clock, sleep: async (ms) => void delays.push(ms) } },
  );
  assert.ok(srv.ports.submission, 'the submission listener runs');
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivan', 'judy'])
    await srv.addUser(`${user}@example.org`, PASSWORD);
});
after(() => srv.close());

/** One IMAP LOGIN on a fresh connection from `ip`; true when OK. */
async function imapLogin(ip: string, login: string, password: string): Promise<boolean> {
  const status = await imapLoginReply(ip, login, password);
  if (!/^OK/.test(status)) assert.match(status, /^NO \[(AUTHENTICATIONFAILED|UNAVAILABLE)\]/);
  return /^OK/.test(status);
}

/** The tagged reply to one IMAP LOGIN on a fresh connection, without its tag. */
async function imapLoginReply(ip: string, login: string, password: string): Promise<string> {
  const imap = await imapConnect(srv.ports.imap!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    return ((await imap.run(`LOGIN ${quote(login)} ${quote(password)}`)).at(-1) ?? '').replace(/^s\d+ /, '');
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
  const reply = await pop3LoginReply(ip, login, password);
  if (!reply.startsWith('+OK')) assert.match(reply, /^-ERR \[(AUTH|SYS\/TEMP)\]/);
  return reply.startsWith('+OK');
}

async function pop3LoginReply(ip: string, login: string, password: string): Promise<string> {
  const pop3 = await pop3Connect(srv.ports.pop3!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    return await pop3UserPass(pop3, login, password);
  } finally {
    pop3.close();
  }
}

/** One SMTP submission AUTH PLAIN on a fresh connection (loopback: AUTH allowed before STARTTLS). */
async function submissionAuth(ip: string, login: string, password: string): Promise<boolean> {
  const reply = await submissionAuthReply(ip, login, password);
  if (!reply.startsWith('235')) assert.match(reply, /^(535|454) /);
  return reply.startsWith('235');
}

async function submissionAuthReply(ip: string, login: string, password: string): Promise<string> {
  const smtp = await smtpConnect(srv.ports.submission!, { localAddress: ip, timeoutMs: 15_000 });
  try {
    await smtp.cmd('EHLO client.example');
    const ir = Buffer.from(`\0${login}\0${password}`).toString('base64');
    return (await smtp.cmd(`AUTH PLAIN ${ir}`)).at(-1)!;
  } finally {
    smtp.close();
  }
}

/** The right password from a throttled address gets "try later" in every protocol, never "wrong password". */
async function assertThrottled(ip: string, login: string): Promise<void> {
  assert.match(await imapLoginReply(ip, login, PASSWORD), /^NO \[UNAVAILABLE\] Too many failed logins/);
  assert.match(await pop3LoginReply(ip, login, PASSWORD), /^-ERR \[SYS\/TEMP\] Too many failed logins/);
  assert.match(await submissionAuthReply(ip, login, PASSWORD), /^454 4\.7\.0 Too many failed logins/);
}

const throttle = () =>
  (srv.ctx.auth as unknown as { throttle: { failures(k: string, key: string): Promise<number> } }).throttle;

test('failures from one address for one account add up across reconnects and protocols, then that address is throttled for it', async () => {
  const ip = '127.0.0.11';
  assert.equal(await imapLogin(ip, 'alice@example.org', 'wrong-1'), false);
  assert.equal(await pop3Login(ip, 'alice@example.org', 'wrong-2'), false);
  assert.equal(await throttle().failures('ip', ip), 2, 'counted across reconnects and protocols');
  assert.equal(await submissionAuth(ip, 'alice@example.org', 'wrong-3'), false);
  await assertThrottled(ip, 'alice@example.org');
  assert.equal(await imapSaslPlain(ip, 'alice@example.org', PASSWORD), false, 'IMAP AUTHENTICATE too');
  // The same address for another account, and the account from another address, are not affected.
  assert.equal(await imapLogin(ip, 'carol@example.org', PASSWORD), true);
  assert.equal(await pop3Login('127.0.0.12', 'alice@example.org', PASSWORD), true);
  assert.deepEqual(delays.splice(0), [100, 200, 400], 'each failure answered later than the one before');
  clock.t += 59_000;
  assert.equal(await imapLogin(ip, 'alice@example.org', PASSWORD), false, 'still blocked');
  clock.t += 1_000;
  assert.equal(await imapLogin(ip, 'alice@example.org', PASSWORD), true, 'the block expired');
});

test('an address failing for many accounts is throttled for every account', async () => {
  const ip = '127.0.0.13';
  const accounts = ['gina', 'hank', 'ivan'];
  for (let i = 0; i < 3 * MAX_FAILURES; i++) {
    const login = `${accounts[Math.floor(i / MAX_FAILURES)]}@example.org`;
    // Each account stays below its own limit until its third failure; the address adds them all up.
    assert.equal(await [imapLogin, pop3Login, submissionAuth][i % 3]!(ip, login, `wrong-${i}`), false);
  }
  await assertThrottled(ip, 'judy@example.org');
  assert.equal(await imapLogin('127.0.0.14', 'judy@example.org', PASSWORD), true, 'other addresses');
});

test('an attacker on 127.0.0.2 cannot lock the owner on 127.0.0.1 out', async () => {
  const attackers = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  for (const ip of attackers) {
    for (let i = 0; i < MAX_FAILURES; i++)
      assert.equal(
        await [imapLogin, pop3Login, submissionAuth][i % 3]!(ip, 'dave@example.org', `guess-${i}`),
        false,
      );
  }
  assert.equal(await throttle().failures('login', 'dave@example.org'), attackers.length * MAX_FAILURES);
  // The attacker's address is throttled for dave, and told so.
  await assertThrottled('127.0.0.2', 'dave@example.org');
  // The owner, elsewhere, logs in with the right password over every protocol.
  assert.equal(await imapLogin('127.0.0.1', 'dave@example.org', PASSWORD), true, 'IMAP');
  assert.equal(await imapSaslPlain('127.0.0.1', 'dave@example.org', PASSWORD), true, 'IMAP AUTHENTICATE');
  assert.equal(await pop3Login('127.0.0.1', 'dave@example.org', PASSWORD), true, 'POP3');
  assert.equal(await submissionAuth('127.0.0.1', 'dave@example.org', PASSWORD), true, 'SMTP AUTH');
});

test("a success resets the account's counters for that address", async () => {
  const login = 'erin@example.org';
  const ip = '127.0.0.31';
  assert.equal(await imapLogin(ip, login, 'wrong-a'), false);
  assert.equal(await submissionAuth(ip, login, 'wrong-b'), false);
  assert.equal(await throttle().failures('login', login), MAX_FAILURES - 1);
  assert.equal(await imapLogin(ip, login, PASSWORD), true);
  assert.equal(await throttle().failures('login', login), 0);
  // Two more failures would have throttled the address for erin without the reset.
  assert.equal(await pop3Login(ip, login, 'wrong-c'), false);
  assert.equal(await imapSaslPlain(ip, login, 'wrong-d'), false);
  assert.equal(await imapLogin(ip, login, PASSWORD), true, 'not throttled: the success reset the count');
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
