/**
 * Issue 5 "STARTTLS injection" (CVE-2011-0411 class) for IMAP, POP3, SMTP, submission and LMTP:
 * commands pipelined in the same packet as STARTTLS/STLS must be discarded, never executed once TLS is
 * up. Each injection
 * would leave a visible trace if it ran (a login, a created mailbox, a delivered message), and the
 * first reply read over TLS must answer the first command sent over TLS.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { imapConnect, quote } from './helpers/imap.js';
import { pop3Connect } from './helpers/pop3.js';
import { smtpConnect } from './helpers/smtp.js';

const USER = 'victim@example.org';
const PASSWORD = 'victim-password';
let srv: TestServer;

before(async () => {
  srv = await startTestServer();
  await srv.addUser(USER, PASSWORD);
});
after(() => srv.close());

async function mailboxNames(): Promise<string[]> {
  const account = (await srv.ctx.store.getAccount(USER))!;
  return (await srv.ctx.store.listMailboxes(account.id)).map((m) => m.name);
}

async function inboxCount(): Promise<number> {
  const account = (await srv.ctx.store.getAccount(USER))!;
  const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
  return (await srv.ctx.store.getIndex(inbox.id)).uids.length;
}

test('IMAP: LOGIN and CREATE pipelined after STARTTLS are not executed', async () => {
  const imap = await imapConnect(srv.ports.imap!);
  try {
    imap.client.write(`t1 STARTTLS\r\nt2 LOGIN ${quote(USER)} ${quote(PASSWORD)}\r\nt3 CREATE Injected\r\n`);
    assert.match((await imap.client.readUntil(/^t1 /)).at(-1)!, /^t1 OK/);
    assert.equal(imap.client.pending(), '', 'nothing after the STARTTLS reply in plaintext');
    await imap.client.starttls();
    imap.client.write('t4 NOOP\r\n');
    const first = await imap.client.readUntil(/^t\d+ /);
    assert.match(first.at(-1)!, /^t4 OK/, `first tagged reply over TLS: ${first.join(' | ')}`);
    assert.match(
      (await imap.run('SELECT INBOX')).at(-1)!,
      /^s\d+ (NO|BAD)/,
      'the injected LOGIN did not run',
    );
  } finally {
    imap.close();
  }
  assert.ok(!(await mailboxNames()).includes('Injected'), 'the injected CREATE did not run');
});

test('POP3: USER/PASS pipelined after STLS are not executed', async () => {
  const pop3 = await pop3Connect(srv.ports.pop3!);
  try {
    pop3.client.write(`STLS\r\nUSER ${USER}\r\nPASS ${PASSWORD}\r\n`);
    assert.match(await pop3.client.readLine(), /^\+OK/);
    assert.equal(pop3.client.pending(), '', 'nothing after the STLS reply in plaintext');
    await pop3.client.starttls();
    const first = await pop3.cmd('NOOP');
    assert.match(first, /^-ERR/, 'NOOP before login: the first reply over TLS is its own -ERR');
    assert.match(await pop3.cmd('STAT'), /^-ERR/, 'the injected USER/PASS did not log in');
  } finally {
    pop3.close();
  }
});

for (const protocol of ['smtp', 'lmtp'] as const) {
  test(`${protocol.toUpperCase()}: a whole transaction pipelined after STARTTLS is not delivered`, async () => {
    const smtp = await smtpConnect(srv.ports[protocol]!);
    const before = await inboxCount();
    try {
      const hello = await smtp.cmd(`${protocol === 'lmtp' ? 'LHLO' : 'EHLO'} client.example`);
      // Postyard offers STARTTLS on LMTP too (RFC 2033 allows it): a missing one is a failure, not a skip.
      assert.ok(
        hello.some((l) => /^250[- ]STARTTLS$/.test(l)),
        `${protocol} does not offer STARTTLS: ${hello.join(' | ')}`,
      );
      const injected = [
        'STARTTLS',
        'MAIL FROM:<attacker@example.net>',
        `RCPT TO:<${USER}>`,
        'DATA',
        'Subject: injected\r\nMessage-ID: <injected@example.net>\r\n\r\ninjected\r\n.',
        '',
      ].join('\r\n');
      smtp.client.write(injected);
      assert.match(await smtp.client.readLine(), /^220 /);
      assert.equal(smtp.client.pending(), '', 'nothing after the STARTTLS reply in plaintext');
      await smtp.client.starttls();
      const reply = await smtp.cmd(`${protocol === 'lmtp' ? 'LHLO' : 'EHLO'} client.example`);
      assert.match(reply.at(-1)!, /^250 /, `first reply over TLS answers the greeting: ${reply.join(' | ')}`);
      assert.match((await smtp.cmd(`RCPT TO:<${USER}>`)).at(-1)!, /^503 /, 'no injected MAIL transaction');
      smtp.client.send('QUIT');
      await smtp.client.readLine().catch(() => '');
    } finally {
      smtp.close();
    }
    assert.equal(await inboxCount(), before, 'the injected message was not delivered');
  });
}

test('submission: AUTH pipelined after STARTTLS is not executed (MAIL still needs AUTH over TLS)', async () => {
  const smtp = await smtpConnect(srv.ports.submission!);
  try {
    await smtp.cmd('EHLO client.example');
    const ir = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
    smtp.client.write(`STARTTLS\r\nAUTH PLAIN ${ir}\r\nMAIL FROM:<${USER}>\r\n`);
    assert.match(await smtp.client.readLine(), /^220 /);
    assert.equal(smtp.client.pending(), '', 'nothing after the STARTTLS reply in plaintext');
    await smtp.client.starttls();
    assert.match((await smtp.cmd('EHLO client.example')).at(-1)!, /^250 /, 'the first reply over TLS');
    assert.match((await smtp.cmd(`MAIL FROM:<${USER}>`)).at(-1)!, /^530 /, 'the injected AUTH did not run');
  } finally {
    smtp.close();
  }
});
