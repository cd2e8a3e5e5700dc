/**
 * Issue 5 "Process behaviour" on a server child process:
 * - SIGTERM with sessions in flight: an IMAP session in IDLE gets `* BYE`, a POP3 session gets `-ERR`
 *   and its DELE is not applied, an LMTP DATA finished after the signal is acknowledged and stored, an
 *   LMTP DATA never finished is not acknowledged and not stored; the process exits 0.
 * - SIGHUP: new TLS connections (IMAPS, SMTP STARTTLS) see a replaced certificate while sessions
 *   opened before the reload keep working.
 */
import assert from 'node:assert/strict';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import { generateSelfSigned } from '../../src/server/net/tls.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { createAccounts, makeDataDir, startChildServer } from './helpers/child-server.js';
import { imapConnect, imapLogin, quote } from './helpers/imap.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';
import { smtpConnect } from './helpers/smtp.js';

const USER = 'sig@example.org';
const PASSWORD = 'sig-password';

function message(id: string): string {
  return `From: a@example.net\r\nSubject: ${id}\r\nMessage-ID: <${id}>\r\n\r\nbody of ${id}\r\n`;
}

async function storedIds(dataDir: string): Promise<string[]> {
  const store = await openSqliteStore({ dataDir });
  try {
    const account = (await store.getAccount(USER))!;
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    const records = await store.getMessages(inbox.id, [...(await store.getIndex(inbox.id)).uids]);
    const ids: string[] = [];
    for (const r of records)
      ids.push(/Message-ID: <([^>]+)>/.exec((await store.blobs.read(r.blobId)).toString())![1]!);
    return ids;
  } finally {
    await store.close();
  }
}

/** LMTP up to the DATA go-ahead, then `head` of the message; returns the client to finish it. */
async function lmtpDataInFlight(port: number, id: string) {
  const lmtp = await smtpConnect(port);
  for (const [command, code] of [
    ['LHLO test', '250'],
    ['MAIL FROM:<a@example.net>', '250'],
    [`RCPT TO:<${USER}>`, '250'],
    ['DATA', '354'],
  ] as const) {
    const reply = (await lmtp.cmd(command)).at(-1)!;
    assert.ok(reply.startsWith(code), `${command}: ${reply}`);
  }
  const text = message(id);
  lmtp.client.write(text.slice(0, 20));
  return { lmtp, rest: `${text.slice(20)}.\r\n` };
}

test('SIGTERM: BYE to IDLE, -ERR to POP3 without applying DELE, in-flight LMTP DATA acknowledged-and-stored or neither; exit 0', {
  timeout: 60_000,
}, async (t) => {
  const dataDir = await makeDataDir('sigterm');
  try {
    await createAccounts(dataDir, { [USER]: PASSWORD });
    const server = await startChildServer(dataDir);
    try {
      const first = await smtpConnect(server.ports.lmtp!);
      for (const c of ['LHLO t', 'MAIL FROM:<a@example.net>', `RCPT TO:<${USER}>`, 'DATA'])
        await first.cmd(c);
      assert.match((await first.cmd(`${message('kept@test')}.`)).at(-1)!, /^250 /);
      first.close();

      const imap = await imapLogin(server.ports.imap!, USER, PASSWORD);
      await imap.ok('SELECT INBOX');
      imap.client.send('i1 IDLE');
      assert.match(await imap.client.readLine(), /^\+ /);

      const pop3 = await pop3Connect(server.ports.pop3!);
      assert.match(await pop3UserPass(pop3, USER, PASSWORD), /^\+OK/, server.stderr());
      assert.match(await pop3.cmd('DELE 1'), /^\+OK/);

      const finishing = await lmtpDataInFlight(server.ports.lmtp!, 'finished-after-sigterm@test');
      const stalled = await lmtpDataInFlight(server.ports.lmtp!, 'never-finished@test');

      server.child.kill('SIGTERM');
      // Shutdown closes the listeners before it says goodbye to sessions: once the IDLE session has its
      // BYE, a new connection must be refused.
      const bye = await imap.client.readUntil(/^\* BYE/, 15_000);
      assert.match(bye.at(-1)!, /^\* BYE/);
      const late = await imapConnect(server.ports.imap!).then(
        (c) => {
          c.close();
          return c.greeting;
        },
        (err: Error) => err.message,
      );
      assert.match(late, /ECONNREFUSED|^\* BYE/, `a new connection after SIGTERM: ${late}`);
      finishing.lmtp.client.write(finishing.rest);
      const finishedReply = await finishing.lmtp.client
        .readLine(10_000)
        .catch((e: Error) => `no reply: ${e.message}`);
      const stalledReply = await stalled.lmtp.client.readLine(15_000).catch(() => '(closed without a reply)');

      await imap.client.waitClosed(10_000);
      assert.match(await pop3.client.readLine(15_000), /^-ERR/);
      await pop3.client.waitClosed(10_000);
      const { code, signal } = await server.exited;
      assert.deepEqual({ code, signal }, { code: 0, signal: null }, server.stderr());

      t.diagnostic(`DATA finished after SIGTERM: ${finishedReply}; DATA never finished: ${stalledReply}`);
      const ids = await storedIds(dataDir);
      assert.ok(ids.includes('kept@test'), 'DELE without QUIT deleted nothing');
      const finishedStored = ids.includes('finished-after-sigterm@test');
      if (finishedReply.startsWith('250')) assert.ok(finishedStored, 'acknowledged after SIGTERM but lost');
      else assert.ok(!finishedStored, `not acknowledged (${finishedReply}) yet stored`);
      assert.ok(!stalledReply.startsWith('250'), `a DATA that never ended was acknowledged: ${stalledReply}`);
      assert.ok(!ids.includes('never-finished@test'), 'an unfinished DATA was stored');
      for (const c of [imap, pop3, finishing.lmtp, stalled.lmtp]) c.close();
    } finally {
      await server.kill();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

function tlsCommonName(socket: TLSSocket): string {
  const cn = socket.getPeerCertificate().subject.CN;
  return String(Array.isArray(cn) ? cn[0] : cn);
}

function imapsCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const cn = tlsCommonName(s);
      s.destroy();
      resolve(cn);
    });
    s.once('error', reject);
  });
}

async function smtpStarttlsCommonName(port: number): Promise<string> {
  const smtp = await smtpConnect(port);
  try {
    await smtp.cmd('EHLO client.example');
    assert.match((await smtp.cmd('STARTTLS')).at(-1)!, /^220 /);
    await smtp.client.starttls();
    return tlsCommonName(smtp.client.socket as TLSSocket);
  } finally {
    smtp.close();
  }
}

test('SIGHUP: new TLS connections get the replaced certificate; sessions opened before keep working', {
  timeout: 60_000,
}, async () => {
  const dataDir = await makeDataDir('sighup');
  try {
    await createAccounts(dataDir, { [USER]: PASSWORD });
    const server = await startChildServer(dataDir);
    try {
      const oldName = await imapsCommonName(server.ports.imaps!);
      const imaps = await imapLogin(server.ports.imaps!, USER, PASSWORD, { tls: true });
      const pop3 = await pop3Connect(server.ports.pop3!);
      assert.match(await pop3.cmd('STLS'), /^\+OK/);
      await pop3.client.starttls();

      const next = await generateSelfSigned(join(dataDir, 'next'), 'reloaded.postyard.test');
      await copyFile(next.key, join(dataDir, 'tls/key.pem'));
      await copyFile(next.cert, join(dataDir, 'tls/cert.pem'));
      const reloaded = server.printed('RELOADED');
      server.child.kill('SIGHUP');
      await reloaded;
      assert.equal(oldName, 'mail.postyard.test');
      assert.equal(await imapsCommonName(server.ports.imaps!), 'reloaded.postyard.test');
      assert.equal(
        await smtpStarttlsCommonName(server.ports.smtp!),
        'reloaded.postyard.test',
        'SMTP STARTTLS',
      );

      await imaps.ok('SELECT INBOX');
      await imaps.ok(`STATUS ${quote('INBOX')} (MESSAGES)`);
      assert.match(
        await pop3UserPass(pop3, USER, PASSWORD),
        /^\+OK/,
        'STLS session opened before still works',
      );
      assert.match(await pop3.cmd('STAT'), /^\+OK/);
      imaps.close();
      pop3.close();
    } finally {
      await server.kill();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
