/**
 * LMTP (RFC 2033) driven by real clients: nodemailer's LMTP transport, Python's smtplib.LMTP and
 * swaks, plus a raw client for exact per-recipient replies.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import nodemailer from 'nodemailer';
import { requireTool } from '../helpers/tools.js';
import { type DeliveryEnv, sampleMessage, startDeliveryEnv } from './helpers/delivery-env.js';
import { lmtpHello, lmtpTransaction } from './helpers/lmtp-session.js';
import { runTool } from './helpers/run-tool.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

let env: DeliveryEnv;

before(async () => {
  env = await startDeliveryEnv();
  await env.addUser('alice@example.org');
  await env.addUser('bob@example.org');
  // Room for nothing bigger than ~100 bytes: RCPT passes (empty mailbox), DATA fails on quota.
  await env.addUser('tiny@example.org', { quotaBytes: 100 });
  // Full by message count once it holds one message.
  await env.addUser('onemsg@example.org', { quotaMessages: 1 });
});

after(async () => {
  await env?.close();
});

test('LHLO advertises PIPELINING, ENHANCEDSTATUSCODES and SIZE', async () => {
  const client = await RawSmtpClient.connect(env.ports.lmtp);
  const reply = await lmtpHello(client);
  const caps = reply.lines.map((l) => l.slice(4));
  assert.ok(caps.includes('PIPELINING'));
  assert.ok(caps.includes('ENHANCEDSTATUSCODES'));
  assert.ok(caps.includes(`SIZE ${env.ctx.config.limits.maxMessageSize}`));
  assert.ok(caps.includes('STARTTLS'));
  assert.equal((await client.command('EHLO x')).code, 500, 'EHLO is not LMTP');
  client.close();
});

test('a repeated recipient (any case) gets its own reply after DATA (RFC 2033 4.2); stored once', async () => {
  const client = await RawSmtpClient.connect(env.ports.lmtp);
  await lmtpHello(client);
  const id = 'repeated-rcpt@lmtp.test';
  await client.command('MAIL FROM:<sender@example.net>');
  for (const rcpt of [
    'bob@example.org',
    'B@example.org',
    'Bob@Example.com',
    'BOB@EXAMPLE.ORG',
    'alice@example.org',
  ])
    await client.command(`RCPT TO:<${rcpt}>`);
  assert.equal((await client.command('DATA')).code, 354);
  client.sendData(sampleMessage(id));
  // bob, BOB (a repeat) and alice were accepted: three replies, in RCPT order, then nothing more.
  const replies = await client.readMany(3);
  assert.deepEqual(
    replies.map((r) => r.code),
    [250, 250, 250],
  );
  assert.equal((await client.command('NOOP')).code, 250, 'no fourth DATA reply is pending');
  client.close();
  assert.equal((await env.inbox('bob@example.org')).filter((m) => m.raw.includes(id)).length, 1);
  assert.equal((await env.inbox('alice@example.org')).filter((m) => m.raw.includes(id)).length, 1);
});

test('a repeated recipient of an oversized message gets its own 552 too', async () => {
  const limit = env.ctx.config.limits.maxMessageSize;
  env.ctx.config.limits.maxMessageSize = 2048;
  try {
    const client = await RawSmtpClient.connect(env.ports.lmtp);
    await lmtpHello(client);
    await client.command('MAIL FROM:<sender@example.net>');
    await client.command('RCPT TO:<alice@example.org>');
    await client.command('RCPT TO:<Alice@Example.org>');
    assert.equal((await client.command('DATA')).code, 354);
    client.sendData(sampleMessage('oversized-repeat@lmtp.test', { bodyBytes: 5000 }));
    assert.deepEqual(
      (await client.readMany(2)).map((r) => r.code),
      [552, 552],
    );
    assert.equal((await client.command('NOOP')).code, 250);
    client.close();
  } finally {
    env.ctx.config.limits.maxMessageSize = limit;
  }
});

test('per-recipient replies after DATA: delivered, unknown (at RCPT), over quota (at DATA)', async () => {
  const client = await RawSmtpClient.connect(env.ports.lmtp);
  await lmtpHello(client);
  const id = 'per-recipient@lmtp.test';
  const { perRecipient } = await lmtpTransaction(
    client,
    'sender@example.net',
    ['alice@example.org', 'nobody@example.org', 'tiny@example.org', 'Bob+Lists@Example.ORG'],
    sampleMessage(id, { bodyBytes: 2000 }),
  );
  assert.match(perRecipient.get('alice@example.org')!.text, /^250 2\.\d\.\d /);
  assert.match(perRecipient.get('nobody@example.org')!.text, /^550 5\.1\.1 /);
  assert.match(perRecipient.get('tiny@example.org')!.text, /^452 4\.2\.2 /);
  assert.match(perRecipient.get('Bob+Lists@Example.ORG')!.text, /^250 /);
  await client.command('QUIT');
  client.close();

  const [alice] = (await env.inbox('alice@example.org')).filter((m) => m.raw.includes(id));
  const [bob] = (await env.inbox('bob@example.org')).filter((m) => m.raw.includes(id));
  assert.ok(alice && bob, 'delivered to alice and (subaddressed, mixed-case) bob');
  assert.equal(alice.blobId, bob.blobId, 'one shared blob for all recipients');
  assert.equal((await env.inbox('tiny@example.org')).length, 0);
});

test('stored message: Return-Path and Received prepended, CRLF, size = blob length', async () => {
  const client = await RawSmtpClient.connect(env.ports.lmtp);
  await lmtpHello(client, 'relay.example.net');
  const id = 'trace@lmtp.test';
  const { perRecipient } = await lmtpTransaction(
    client,
    'bounce@example.net',
    ['alice@example.org'],
    sampleMessage(id),
  );
  assert.equal(perRecipient.get('alice@example.org')!.code, 250);
  client.close();
  const [stored] = (await env.inbox('alice@example.org')).filter((m) => m.raw.includes(id));
  assert.ok(stored);
  const text = stored.raw.toString('latin1');
  assert.match(
    text,
    /^Return-Path: <bounce@example\.net>\r\nReceived: from relay\.example\.net \(\[127\.0\.0\.1\]\)\r\n/,
  );
  assert.match(
    text,
    /\tby mail\.postyard\.test with LMTP id \S+\r\n\tfor <alice@example\.org>;\r\n\t\w{3}, \d+ \w{3} \d{4} /,
  );
  assert.equal(/(?<!\r)\n/.test(text), false, 'CRLF line endings only');
  assert.equal(stored.size, stored.raw.length);
});

test('already over quota is refused at RCPT; delivery.overQuota=permanent gives 552 5.2.2', async () => {
  const client = await RawSmtpClient.connect(env.ports.lmtp);
  await lmtpHello(client);
  const first = await lmtpTransaction(
    client,
    's@example.net',
    ['onemsg@example.org'],
    sampleMessage('q1@lmtp.test'),
  );
  assert.equal(first.perRecipient.get('onemsg@example.org')!.code, 250);
  const second = await lmtpTransaction(
    client,
    's@example.net',
    ['onemsg@example.org'],
    sampleMessage('q2@lmtp.test'),
  );
  assert.match(second.perRecipient.get('onemsg@example.org')!.text, /^452 4\.2\.2 /);
  env.ctx.config.delivery.overQuota = 'permanent';
  try {
    const third = await lmtpTransaction(
      client,
      's@example.net',
      ['onemsg@example.org'],
      sampleMessage('q3@lmtp.test'),
    );
    assert.match(third.perRecipient.get('onemsg@example.org')!.text, /^552 5\.2\.2 /);
  } finally {
    env.ctx.config.delivery.overQuota = 'temporary';
  }
  client.close();
  assert.equal((await env.inbox('onemsg@example.org')).length, 1);
});

test('nodemailer LMTP transport: accepted and rejected recipients', async () => {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: env.ports.lmtp,
    lmtp: true,
    ignoreTLS: true,
  });
  try {
    const info = await transport.sendMail({
      envelope: {
        from: 'sender@example.net',
        to: ['alice@example.org', 'ghost@example.org', 'bob@example.org'],
      },
      raw: sampleMessage('nodemailer@lmtp.test'),
    });
    assert.deepEqual([...info.accepted].sort(), ['alice@example.org', 'bob@example.org']);
    assert.deepEqual(info.rejected, ['ghost@example.org']);
  } finally {
    transport.close();
  }
  assert.equal(
    (await env.inbox('bob@example.org')).filter((m) => m.raw.includes('nodemailer@lmtp.test')).length,
    1,
  );
});

test("Python's smtplib.LMTP delivers", async (t) => {
  if (!requireTool(t, 'python3')) return;
  const script = [
    'import smtplib, sys',
    'c = smtplib.LMTP("127.0.0.1", int(sys.argv[1]))',
    'refused = c.sendmail("py@example.net", ["alice@example.org"], sys.stdin.read())',
    'print("refused", refused)',
    'c.quit()',
  ].join('\n');
  const run = await runTool(
    'python3',
    ['-c', script, String(env.ports.lmtp)],
    sampleMessage('python@lmtp.test'),
  );
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /refused \{\}/);
});

test('swaks over LMTP: delivered and unknown user', async (t) => {
  if (!requireTool(t, 'swaks')) return;
  const ok = await runTool('swaks', [
    ...['--server', '127.0.0.1', '--port', String(env.ports.lmtp), '--protocol', 'LMTP'],
    ...[
      '--to',
      'alice@example.org',
      '--from',
      'swaks@example.net',
      '--header',
      'Message-ID: <swaks@lmtp.test>',
    ],
  ]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  const unknown = await runTool('swaks', [
    ...[
      '--server',
      '127.0.0.1',
      '--port',
      String(env.ports.lmtp),
      '--protocol',
      'LMTP',
      '--to',
      'nobody@example.org',
    ],
  ]);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stdout, /550 5\.1\.1/);
  assert.equal(
    (await env.inbox('alice@example.org')).filter((m) => m.raw.includes('swaks@lmtp.test')).length,
    1,
  );
});

test('two subaddresses of one account: both get 250, the mailbox gets one copy', async () => {
  const client = await RawSmtpClient.connect(env.ports.lmtp);
  await lmtpHello(client);
  const id = 'dedupe@lmtp.test';
  const rcpts = ['bob+one@example.org', 'bob+two@example.org'];
  const { perRecipient } = await lmtpTransaction(client, 's@example.net', rcpts, sampleMessage(id));
  for (const rcpt of rcpts) assert.equal(perRecipient.get(rcpt)!.code, 250);
  client.close();
  assert.equal((await env.inbox('bob@example.org')).filter((m) => m.raw.includes(`<${id}>`)).length, 1);
});
