/**
 * QUOTA (RFC 9208): GETQUOTA/GETQUOTAROOT report exactly the numbers the store enforces. Python imaplib
 * reads them while LMTP and APPEND fill an account to its limits; `postyard quota show` prints the same
 * usage; the refusals come at the limit GETQUOTA announces. Raw socket for syntax and errors.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../cli/helpers.js';
import { lmtpHello, lmtpTransaction } from '../delivery/helpers/lmtp-session.js';
import { runTool } from '../delivery/helpers/run-tool.js';
import { RawSmtpClient } from '../delivery/helpers/smtp-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { appendCommand, rawImap, SAMPLE_MESSAGE } from './harness.js';

const SIZE = Buffer.byteLength(SAMPLE_MESSAGE);
let srv: TestServer;
const counted = { login: 'counted@example.com', password: 'pw' };
const sized = { login: 'sized@example.com', password: 'pw' };

before(async () => {
  srv = await startTestServer();
  // Three messages fit by count (storage has room for more); for `sized`, storage runs out first.
  await srv.addUser(counted.login, counted.password, { quotaMessages: 3, quotaBytes: 64 * 1024 });
  await srv.addUser(sized.login, sized.password, { quotaBytes: 3 * 1024 + 100 });
  // The CLI reads the same data directory through its config file.
  await writeFile(join(srv.dataDir, 'postyard.json'), JSON.stringify(srv.ctx.config));
});
after(() => srv.close());

async function lmtpDeliver(rcpt: string, message: string): Promise<number> {
  const client = await RawSmtpClient.connect(srv.ports.lmtp as number);
  try {
    await lmtpHello(client);
    const replies = await lmtpTransaction(client, 'sender@example.net', [rcpt], message);
    return replies.perRecipient.get(rcpt)?.code ?? 0;
  } finally {
    client.close();
  }
}

/** `postyard quota show` against the running server's data directory: used bytes and messages. */
async function quotaShow(login: string): Promise<{ bytes: number; messages: number }> {
  const shown = await runCli(['quota', 'show', login, '-d', srv.dataDir]);
  assert.equal(shown.code, 0, shown.stderr);
  const bytes = /storage:\s+(\d+) \//.exec(shown.stdout);
  const messages = /messages:\s+(\d+) \//.exec(shown.stdout);
  assert.ok(bytes && messages, shown.stdout);
  return { bytes: Number(bytes[1]), messages: Number(messages[1]) };
}

const IMAPLIB = `
import imaplib, os, sys
m = imaplib.IMAP4(os.environ['HOST'], int(os.environ['PORT']))
m.login(os.environ['USER'], os.environ['PASS'])
typ, caps = m.capability()
print('CAPS', caps[0].decode())
typ, data = m.getquotaroot('INBOX')
assert typ == 'OK', (typ, data)
print('ROOT', data[0][0].decode())
print('QUOTA', data[1][0].decode())
typ, data = m.getquota('""')
assert typ == 'OK', (typ, data)
print('GETQUOTA', data[0].decode())
typ, data = m.setquota('""', '(STORAGE 1)')
print('SETQUOTA', typ, data)
m.logout()
`;

async function imaplibQuota(user: { login: string; password: string }): Promise<Record<string, string>> {
  const env = { HOST: '127.0.0.1', PORT: String(srv.ports.imap), USER: user.login, PASS: user.password };
  const script = Object.entries(env)
    .map(([k, v]) => `os.environ['${k}'] = '${v}'`)
    .join('\n');
  const run = await runTool('python3', ['-c', `import os\n${script}\n${IMAPLIB}`]);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const out: Record<string, string> = {};
  for (const line of run.stdout.trim().split('\n')) {
    const space = line.indexOf(' ');
    out[line.slice(0, space)] = line.slice(space + 1);
  }
  return out;
}

test('imaplib: the message limit GETQUOTAROOT reports is where LMTP and APPEND are refused', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const before = await imaplibQuota(counted);
  for (const cap of ['QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE'])
    assert.ok(before.CAPS!.split(' ').includes(cap), before.CAPS);
  assert.ok(!before.CAPS!.split(' ').includes('QUOTASET'), 'SETQUOTA is not offered');
  assert.equal(before.ROOT, '"INBOX" ""');
  assert.equal(before.QUOTA, '"" (STORAGE 0 64 MESSAGE 0 3)');
  assert.equal(before.GETQUOTA, before.QUOTA);
  assert.match(before.SETQUOTA!, /^NO .*Quota limits are set by the administrator/);

  assert.equal(await lmtpDeliver(counted.login, SAMPLE_MESSAGE), 250);
  assert.equal(await lmtpDeliver(counted.login, SAMPLE_MESSAGE), 250);
  const imap = await rawImap(srv.ports.imap as number, counted);
  try {
    assert.match((await imap.run(appendCommand('INBOX'))).at(-1)!, /OK \[APPENDUID/);
    const full = await imaplibQuota(counted);
    const shown = await quotaShow(counted.login);
    assert.equal(shown.messages, 3);
    assert.ok(shown.bytes > 3 * SIZE, 'LMTP adds its trace headers');
    assert.equal(full.QUOTA, `"" (STORAGE ${Math.floor(shown.bytes / 1024)} 64 MESSAGE 3 3)`);
    // At the limit GETQUOTA shows, every path refuses.
    assert.match((await imap.run(appendCommand('INBOX'))).at(-1)!, /NO \[OVERQUOTA\]/);
    assert.notEqual(await lmtpDeliver(counted.login, SAMPLE_MESSAGE), 250);
    await imap.run('SELECT INBOX');
    assert.match((await imap.run('COPY 1 Archive')).at(-1)!, /NO \[OVERQUOTA\]/);
    assert.match((await imap.run('MOVE 1 Archive')).at(-1)!, /OK/, 'a move inside the account is free');
    assert.deepEqual(await quotaShow(counted.login), shown);
  } finally {
    await imap.close();
  }
});

test('imaplib: STORAGE in KiB, refused at the byte limit the store enforces', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const body = 'x'.repeat(900);
  const message = `${SAMPLE_MESSAGE}${body}\r\n`;
  const imap = await rawImap(srv.ports.imap as number, sized);
  try {
    assert.match((await imap.run(appendCommand('INBOX', message))).at(-1)!, /OK/);
    assert.equal(await lmtpDeliver(sized.login, message), 250);
    const shown = await quotaShow(sized.login);
    const quota = await imaplibQuota(sized);
    assert.equal(quota.QUOTA, `"" (STORAGE ${Math.floor(shown.bytes / 1024)} 3)`);
    // Room left is below one message: both paths refuse, nothing is charged.
    assert.ok(3 * 1024 + 100 - shown.bytes < Buffer.byteLength(message));
    assert.match((await imap.run(appendCommand('INBOX', message))).at(-1)!, /NO \[OVERQUOTA\]/);
    assert.notEqual(await lmtpDeliver(sized.login, message), 250);
    assert.deepEqual(await quotaShow(sized.login), shown);
    // STATUS DELETED-STORAGE (RFC 9208 §4.4), in the same unit.
    await imap.run('SELECT INBOX');
    await imap.run('STORE 1:2 +FLAGS (\\Deleted)');
    const status = await imap.run('STATUS INBOX (DELETED DELETED-STORAGE)');
    assert.equal(status[0], `* STATUS "INBOX" (DELETED 2 DELETED-STORAGE ${Math.floor(shown.bytes / 1024)})`);
  } finally {
    await imap.close();
  }
});

test('raw socket: QUOTA syntax, unknown roots and mailboxes, states', async () => {
  const anon = await rawImap(srv.ports.imap as number);
  try {
    assert.match((await anon.run('GETQUOTA ""')).at(-1)!, /^t\d+ BAD/);
  } finally {
    await anon.close();
  }
  const imap = await rawImap(srv.ports.imap as number, counted);
  try {
    const cases: [string, RegExp][] = [
      ['GETQUOTA', /^t\d+ BAD/],
      ['GETQUOTA "" extra', /^t\d+ BAD/],
      ['GETQUOTAROOT', /^t\d+ BAD/],
      ['SETQUOTA "" (STORAGE)', /^t\d+ BAD/],
      ['SETQUOTA "" STORAGE 1', /^t\d+ BAD/],
      ['SETQUOTA "" (STORAGE 100)', /^t\d+ NO \[NOPERM\]/],
      ['SETQUOTA "" ()', /^t\d+ NO \[NOPERM\]/],
      ['GETQUOTA "User quota"', /^t\d+ NO \[NONEXISTENT\]/],
      ['GETQUOTAROOT Nowhere', /^t\d+ NO \[NONEXISTENT\]/],
    ];
    for (const [command, expected] of cases) {
      const lines = await imap.run(command);
      assert.match(lines.at(-1)!, expected, `${command}: ${lines.join(' | ')}`);
      assert.equal(lines.length, 1, `${command} sends no data: ${lines.join(' | ')}`);
    }
    const root = await imap.run('GETQUOTAROOT Archive');
    assert.equal(root[0], '* QUOTAROOT "Archive" ""');
    assert.match(root[1]!, /^\* QUOTA "" \(STORAGE \d+ 64 MESSAGE \d+ 3\)$/);
    assert.match(root[2]!, /^t\d+ OK /);
  } finally {
    await imap.close();
  }
});
