/**
 * Inbound SMTP for local domains (RFC 5321) driven by nodemailer, Python's smtplib and swaks, with and
 * without STARTTLS; size and quota answers; no relaying and no AUTH on this port.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { requireTool } from '../helpers/tools.js';
import { type DeliveryEnv, sampleMessage, startDeliveryEnv } from './helpers/delivery-env.js';
import { runTool } from './helpers/run-tool.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

let env: DeliveryEnv;

before(async () => {
  env = await startDeliveryEnv();
  await env.addUser('carol@example.org');
  await env.addUser('dave@example.org');
  await env.addUser('small@example.org', { quotaBytes: 100 });
});

after(async () => {
  await env?.close();
});

async function ehlo(): Promise<{ client: RawSmtpClient; caps: string[] }> {
  const client = await RawSmtpClient.connect(env.ports.smtp);
  assert.match((await client.read()).text, /^220 mail\.postyard\.test ESMTP/);
  const reply = await client.command('EHLO client.example');
  return { client, caps: reply.lines.slice(1).map((l) => l.slice(4)) };
}

async function storedWith(login: string, id: string) {
  return (await env.inbox(login)).filter((m) => m.raw.includes(`<${id}>`));
}

test('EHLO advertises SIZE, STARTTLS, PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES and no AUTH', async () => {
  const { client, caps } = await ehlo();
  for (const cap of ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'STARTTLS'])
    assert.ok(caps.includes(cap), cap);
  assert.ok(caps.includes(`SIZE ${env.ctx.config.limits.maxMessageSize}`));
  assert.ok(!caps.some((c) => c.startsWith('AUTH')));
  client.close();
});

test('unknown users are 550 5.1.1; other domains are relaying, 554 5.7.1 (never "no such user")', async () => {
  const { client } = await ehlo();
  assert.equal((await client.command('MAIL FROM:<x@example.net>')).code, 250);
  assert.match((await client.command('RCPT TO:<nobody@example.org>')).text, /^550 5\.1\.1 .*no such user/);
  assert.match(
    (await client.command('RCPT TO:<carol@elsewhere.example>')).text,
    /^554 5\.7\.1 Relaying denied: this server accepts mail for its own domains only$/,
  );
  assert.match((await client.command('RCPT TO:<Carol+x@EXAMPLE.org>')).text, /^250 /);
  client.close();
});

test('more than limits.maxRecipients distinct recipients: 452 4.5.3, the accepted ones still get the message', async () => {
  const limit = env.ctx.config.limits.maxRecipients;
  env.ctx.config.limits.maxRecipients = 100;
  try {
    const { client } = await ehlo();
    await client.command('MAIL FROM:<x@example.net>');
    // Subaddresses are distinct recipients of one account: 100 accepted, the 101st refused.
    for (let i = 0; i < 100; i++)
      assert.equal((await client.command(`RCPT TO:<carol+${i}@example.org>`)).code, 250);
    assert.equal(
      (await client.command('RCPT TO:<carol+100@example.org>')).text,
      '452 4.5.3 Too many recipients',
    );
    assert.equal(
      (await client.command('RCPT TO:<CAROL+7@example.org>')).code,
      250,
      'a repeat is no new recipient',
    );
    assert.equal((await client.command('DATA')).code, 354);
    client.sendData(sampleMessage('many-rcpts@smtp.test'));
    assert.match((await client.read()).text, /^250 /);
    client.close();
    assert.equal(
      (await storedWith('carol@example.org', 'many-rcpts@smtp.test')).length,
      1,
      'once per account',
    );
  } finally {
    env.ctx.config.limits.maxRecipients = limit;
  }
});

test('MAIL FROM with SIZE over the limit: 552 5.3.4', async () => {
  const { client } = await ehlo();
  const size = env.ctx.config.limits.maxMessageSize + 1;
  assert.match((await client.command(`MAIL FROM:<x@example.net> SIZE=${size}`)).text, /^552 5\.3\.4 /);
  client.close();
});

test('over quota at DATA: 452 4.2.2 when nobody got it, 250 when another recipient did', async () => {
  const { client } = await ehlo();
  await client.command('MAIL FROM:<x@example.net>');
  assert.equal((await client.command('RCPT TO:<small@example.org>')).code, 250);
  assert.equal((await client.command('DATA')).code, 354);
  client.sendData(sampleMessage('quota-only@smtp.test', { bodyBytes: 1000 }));
  assert.match((await client.read()).text, /^452 4\.2\.2 /);

  await client.command('MAIL FROM:<x@example.net>');
  await client.command('RCPT TO:<small@example.org>');
  await client.command('RCPT TO:<dave@example.org>');
  assert.equal((await client.command('DATA')).code, 354);
  client.sendData(sampleMessage('quota-mixed@smtp.test', { bodyBytes: 1000 }));
  assert.match((await client.read()).text, /^250 /);
  client.close();
  assert.equal((await storedWith('dave@example.org', 'quota-mixed@smtp.test')).length, 1);
  assert.equal((await env.inbox('small@example.org')).length, 0);
});

test('nodemailer over STARTTLS: delivered, Received says ESMTPS', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: env.ports.smtp,
    requireTLS: true,
    tls: { rejectUnauthorized: false },
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: 'nm@example.net', to: ['carol@example.org', 'dave@example.org'] },
      raw: sampleMessage('nodemailer@smtp.test'),
    });
    assert.deepEqual([...info.accepted].sort(), ['carol@example.org', 'dave@example.org']);
  } finally {
    transport.close();
  }
  const [stored] = await storedWith('carol@example.org', 'nodemailer@smtp.test');
  assert.ok(stored);
  assert.match(
    stored.raw.toString('latin1'),
    /^Return-Path: <nm@example\.net>\r\nReceived: from \S+ \(\[127\.0\.0\.1\]\)\r\n\tby mail\.postyard\.test with ESMTPS id /,
  );
  assert.equal((await storedWith('dave@example.org', 'nodemailer@smtp.test')).length, 1);
});

test("Python's smtplib with STARTTLS delivers", async (t) => {
  if (!requireTool(t, 'python3')) return;
  const script = [
    'import smtplib, ssl, sys',
    'c = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))',
    'c.ehlo()',
    'c.starttls(context=ssl._create_unverified_context())',
    'c.ehlo()',
    'print("refused", c.sendmail("py@example.net", ["carol@example.org"], sys.stdin.read()))',
    'try:',
    '    c.sendmail("py@example.net", ["nobody@example.org"], "Subject: x\\r\\n\\r\\nx\\r\\n")',
    'except smtplib.SMTPRecipientsRefused as e:',
    '    print("unknown", e.recipients)',
    'c.quit()',
  ].join('\n');
  const run = await runTool(
    'python3',
    ['-c', script, String(env.ports.smtp)],
    sampleMessage('python@smtp.test'),
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /refused \{\}/);
  assert.match(run.stdout, /unknown \{'nobody@example\.org': \(550, b'5\.1\.1 /);
  assert.equal((await storedWith('carol@example.org', 'python@smtp.test')).length, 1);
});

test('swaks with STARTTLS delivers; bare-LF input is stored as CRLF', async (t) => {
  if (!requireTool(t, 'swaks')) return;
  const run = await runTool(
    'swaks',
    [
      ...['--server', '127.0.0.1', '--port', String(env.ports.smtp), '--tls'],
      ...['--from', 'swaks@example.net', '--to', 'dave@example.org', '--data', '-'],
    ],
    sampleMessage('swaks@smtp.test', { lf: true }),
  );
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const [stored] = await storedWith('dave@example.org', 'swaks@smtp.test');
  assert.ok(stored);
  assert.equal(/(?<!\r)\n/.test(stored.raw.toString('latin1')), false);
});
