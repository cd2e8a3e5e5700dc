/**
 * Submission (RFC 6409) with local delivery: AUTH PLAIN/LOGIN required before MAIL, offered on plaintext
 * only to trusted peers (loopback by default), otherwise only after STARTTLS; and with implicit TLS.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import { createSubmissionListener } from '../../src/server/delivery/submission.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { sampleMessage } from './helpers/delivery-env.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

const USER = 'gina@example.org';
const PASSWORD = 'correct horse';
const OFF = { enabled: false };

async function startSubmission(trustedNetworks?: string[]): Promise<TestServer> {
  const srv = await startTestServer({
    localDomains: ['example.org'],
    ...(trustedNetworks ? { trustedNetworks } : {}),
    listeners: { imap: OFF, imaps: OFF, pop3: OFF, pop3s: OFF, smtp: OFF, lmtp: OFF },
  });
  await srv.addUser(USER, PASSWORD);
  await srv.addUser('hank@example.org', 'other');
  return srv;
}

async function inboxTexts(srv: TestServer, login: string): Promise<string[]> {
  const store = srv.ctx.store;
  const account = (await store.getAccount(login))!;
  const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
  const index = await store.getIndex(inbox.id);
  const records = await store.getMessages(inbox.id, [...index.uids]);
  return Promise.all(records.map(async (r) => (await store.blobs.read(r.blobId)).toString('latin1')));
}

function plain(login: string, password: string): string {
  return Buffer.from(`\0${login}\0${password}`).toString('base64');
}

describe('submission from a trusted (loopback) peer', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startSubmission();
  });
  after(async () => {
    await srv?.close();
  });

  test('AUTH is required before MAIL; wrong password 535; then local delivery (Received: with ESMTPA)', async () => {
    const client = await RawSmtpClient.connect(srv.ports.submission!);
    await client.read();
    const ehlo = await client.command('EHLO client.example');
    assert.ok(
      ehlo.lines.some((l) => /^250[- ]AUTH PLAIN LOGIN SCRAM-SHA-256$/.test(l)),
      ehlo.lines.join('\n'),
    );
    assert.match((await client.command('MAIL FROM:<gina@example.org>')).text, /^530 5\.7\.0 /);
    assert.match((await client.command(`AUTH PLAIN ${plain(USER, 'wrong')}`)).text, /^535 5\.7\.8 /);
    assert.match((await client.command(`AUTH PLAIN ${plain(USER, PASSWORD)}`)).text, /^235 /);
    assert.equal((await client.command('MAIL FROM:<gina@example.org>')).code, 250);
    assert.match(
      (await client.command('RCPT TO:<someone@elsewhere.example>')).text,
      /^554 5\.7\.1 Relaying denied/,
      'outgoing mail is disabled by default, and said so',
    );
    assert.match((await client.command('RCPT TO:<nobody@example.org>')).text, /^550 5\.1\.1 /);
    assert.equal((await client.command('RCPT TO:<hank@example.org>')).code, 250);
    assert.equal((await client.command('DATA')).code, 354);
    client.sendData(sampleMessage('submitted@submission.test', { from: USER }));
    assert.match((await client.read()).text, /^250 /);
    client.close();
    const [stored] = (await inboxTexts(srv, 'hank@example.org')).filter((m) =>
      m.includes('<submitted@submission.test>'),
    );
    assert.ok(stored);
    assert.match(stored, /\r\n\tby mail\.postyard\.test with ESMTPA id /);
  });

  test('nodemailer with STARTTLS and AUTH LOGIN delivers', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: srv.ports.submission!,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: USER, pass: PASSWORD },
      authMethod: 'LOGIN',
    });
    try {
      const info = await transport.sendMail({
        envelope: { from: USER, to: ['hank@example.org'] },
        raw: sampleMessage('nodemailer@submission.test', { from: USER }),
      });
      assert.deepEqual(info.accepted, ['hank@example.org']);
    } finally {
      transport.close();
    }
    assert.equal(
      (await inboxTexts(srv, 'hank@example.org')).filter((m) => m.includes('<nodemailer@submission.test>'))
        .length,
      1,
    );
  });
});

describe('submission from an untrusted peer', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startSubmission(['192.0.2.0/24']);
  });
  after(async () => {
    await srv?.close();
  });

  test('no AUTH before STARTTLS and no MAIL without AUTH', async () => {
    const client = await RawSmtpClient.connect(srv.ports.submission!);
    await client.read();
    const ehlo = await client.command('EHLO client.example');
    assert.ok(!ehlo.lines.some((l) => /AUTH/.test(l)), ehlo.lines.join('\n'));
    assert.ok(ehlo.lines.some((l) => /^250[- ]STARTTLS$/.test(l)));
    // AUTH is not offered before STARTTLS here (RFC 4954 4), so it is an unknown command.
    assert.match((await client.command(`AUTH PLAIN ${plain(USER, PASSWORD)}`)).text, /^500 /);
    assert.equal(
      (await client.command('MAIL FROM:<gina@example.org>')).text,
      '530 5.7.0 Must issue a STARTTLS command first',
    );
    client.close();
  });

  test('after STARTTLS, AUTH PLAIN works and the message is delivered', async () => {
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port: srv.ports.submission!,
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      auth: { user: USER, pass: PASSWORD },
      authMethod: 'PLAIN',
    });
    try {
      const info = await transport.sendMail({
        envelope: { from: USER, to: ['hank@example.org'] },
        raw: sampleMessage('tls@submission.test', { from: USER }),
      });
      assert.deepEqual(info.accepted, ['hank@example.org']);
    } finally {
      transport.close();
    }
  });
});

describe('submission with implicit TLS (RFC 8314, "submissions")', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startSubmission(['192.0.2.0/24']);
  });
  after(async () => {
    await srv?.close();
  });

  test('TLS from the first byte, AUTH offered at once, message delivered', async () => {
    // config.listeners has no `submissions` entry yet, so the listener is started directly.
    const listener = createSubmissionListener(srv.ctx, { implicitTls: true });
    const port = await listener.listen('127.0.0.1', 0);
    const transport = nodemailer.createTransport({
      host: '127.0.0.1',
      port,
      secure: true,
      tls: { rejectUnauthorized: false },
      auth: { user: USER, pass: PASSWORD },
    });
    try {
      const info = await transport.sendMail({
        envelope: { from: USER, to: ['hank@example.org'] },
        raw: sampleMessage('implicit@submission.test', { from: USER }),
      });
      assert.deepEqual(info.accepted, ['hank@example.org']);
    } finally {
      transport.close();
      await listener.close();
    }
    const [stored] = (await inboxTexts(srv, 'hank@example.org')).filter((m) =>
      m.includes('<implicit@submission.test>'),
    );
    assert.ok(stored);
    assert.match(stored, /with ESMTPSA id /);
  });
});
