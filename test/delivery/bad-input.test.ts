/**
 * Hostile and broken input on the SMTP listener (DESIGN.md: no input crashes the process or corrupts the
 * store): malformed commands, a message over the size limit (50 MB+), 10,000 nested or sibling MIME parts,
 * NUL in a header, a client vanishing mid-DATA. Every case gets a clear reply and the server keeps serving.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type DeliveryEnv, sampleMessage, startDeliveryEnv } from './helpers/delivery-env.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

let env: DeliveryEnv;
const USER = 'erin@example.org';

before(async () => {
  env = await startDeliveryEnv();
  await env.addUser(USER);
});

after(async () => {
  await env?.close();
});

async function greeted(): Promise<RawSmtpClient> {
  const client = await RawSmtpClient.connect(env.ports.smtp);
  assert.equal((await client.read()).code, 220);
  assert.equal((await client.command('EHLO bad.example')).code, 250);
  return client;
}

/** One full transaction on `client`; returns the final reply. */
async function send(client: RawSmtpClient, message: string | Buffer): Promise<string> {
  assert.equal((await client.command('MAIL FROM:<bad@example.net>')).code, 250);
  assert.equal((await client.command(`RCPT TO:<${USER}>`)).code, 250);
  assert.equal((await client.command('DATA')).code, 354);
  client.sendData(message);
  return (await client.read()).text;
}

async function stillServes(): Promise<void> {
  const client = await greeted();
  const id = `alive-${Math.random().toString(36).slice(2)}@bad.test`;
  assert.match(await send(client, sampleMessage(id)), /^250 /);
  await client.command('QUIT');
  client.close();
  assert.equal((await env.inbox(USER)).filter((m) => m.raw.includes(id)).length, 1);
}

test('malformed commands get 5xx replies; the connection stays usable', async () => {
  const client = await RawSmtpClient.connect(env.ports.smtp);
  await client.read();
  assert.match((await client.command('MAIL FROM:<a@example.net>')).text, /^503 /, 'MAIL before EHLO');
  assert.equal((await client.command('EHLO bad.example')).code, 250);
  assert.match((await client.command('HELLO there')).text, /^500 /);
  assert.match((await client.command('RCPT TO:<erin@example.org>')).text, /^503 /, 'RCPT before MAIL');
  assert.match((await client.command('DATA')).text, /^503 /, 'DATA before RCPT');
  assert.match((await client.command('MAIL FROM:<<broken@@>')).text, /^501 /);
  assert.match((await client.command('MAIL FROM:<a@example.net> SIZE=lots')).text, /^501 /);
  assert.match((await client.command('MAIL FROM:<a@example.net> FOO=BAR')).text, /^555 5\.5\.4 /);
  assert.match((await client.command('\x00\x01\x02\xff')).text, /^5\d\d /);
  assert.equal((await client.command('RSET')).code, 250);
  assert.match(await send(client, sampleMessage('after-garbage@bad.test')), /^250 /);
  client.close();
  await stillServes();
});

test('too many unknown commands: 421 and the connection is closed', async () => {
  const client = await greeted();
  let last = '';
  for (let i = 0; i < 10 && !client.isClosed; i++) last = (await client.command(`NONSENSE${i}`)).text;
  assert.match(last, /^421 /);
  client.close();
  await stillServes();
});

test('an overlong command line is refused without taking the server down', async () => {
  const client = await greeted();
  client.write(`MAIL FROM:<${'a'.repeat(200_000)}@example.net>\r\n`);
  const reply = await client.read().catch(() => null);
  if (reply) assert.match(reply.text, /^(5\d\d|421) /);
  client.close();
  await stillServes();
});

test('a message 2 MB over the (default 50 MiB) limit: 552 5.3.4, then the same connection delivers', async () => {
  const limit = env.ctx.config.limits.maxMessageSize;
  const line = Buffer.from(`${'a'.repeat(998)}\r\n`);
  const lines = Math.ceil((limit + 2_000_000) / line.length);
  assert.ok(lines * line.length > limit);
  const client = await greeted();
  assert.equal((await client.command('MAIL FROM:<bad@example.net>')).code, 250);
  assert.equal((await client.command(`RCPT TO:<${USER}>`)).code, 250);
  assert.equal((await client.command('DATA')).code, 354);
  client.write('Subject: huge\r\nMessage-ID: <huge@bad.test>\r\n\r\n');
  const chunk = Buffer.concat(Array.from({ length: 1024 }, () => line));
  for (let sent = 0; sent < lines; sent += 1024) {
    if (!client.socket.write(chunk)) await new Promise((resolve) => client.socket.once('drain', resolve));
  }
  client.write('.\r\n');
  assert.match((await client.read()).text, /^552 5\.3\.4 /);
  assert.match(await send(client, sampleMessage('after-huge@bad.test')), /^250 /);
  client.close();
  assert.equal((await env.inbox(USER)).filter((m) => m.raw.includes('<huge@bad.test>')).length, 0);
});

function nestedMultipart(depth: number): string {
  let text = `Subject: nested\r\nMessage-ID: <nested-${depth}@bad.test>\r\nMIME-Version: 1.0\r\n`;
  text += 'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n';
  for (let i = 0; i < depth; i++)
    text += `--b${i}\r\nContent-Type: multipart/mixed; boundary="b${i + 1}"\r\n\r\n`;
  text += `--b${depth}\r\nContent-Type: text/plain\r\n\r\ndeep inside\r\n--b${depth}--\r\n`;
  for (let i = depth - 1; i >= 0; i--) text += `--b${i}--\r\n`;
  return text;
}

function manyParts(count: number): string {
  let text = 'Subject: wide\r\nMessage-ID: <wide@bad.test>\r\nMIME-Version: 1.0\r\n';
  text += 'Content-Type: multipart/mixed; boundary="w"\r\n\r\n';
  for (let i = 0; i < count; i++) text += `--w\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`;
  return `${text}--w--\r\n`;
}

test('10,000 nested multipart levels and 10,000 sibling parts are accepted and stored', async () => {
  const client = await greeted();
  assert.match(await send(client, nestedMultipart(10_000)), /^250 /);
  assert.match(await send(client, manyParts(10_000)), /^250 /);
  client.close();
  const inbox = await env.inbox(USER);
  assert.equal(inbox.filter((m) => m.raw.includes('<nested-10000@bad.test>')).length, 1);
  assert.equal(inbox.filter((m) => m.raw.includes('<wide@bad.test>')).length, 1);
  await stillServes();
});

test('NUL in a header: 554 5.6.0 and nothing stored; the connection stays usable', async () => {
  const client = await greeted();
  const reply = await send(client, 'Subject: nul\x00here\r\nMessage-ID: <nul@bad.test>\r\n\r\nbody\r\n');
  assert.match(reply, /^554 5\.6\.0 .*NUL/);
  assert.match(await send(client, sampleMessage('after-nul@bad.test')), /^250 /);
  client.close();
  assert.equal((await env.inbox(USER)).filter((m) => m.raw.includes('<nul@bad.test>')).length, 0);
});

test('a client that disconnects mid-DATA leaves nothing behind', async () => {
  const client = await greeted();
  assert.equal((await client.command('MAIL FROM:<bad@example.net>')).code, 250);
  assert.equal((await client.command(`RCPT TO:<${USER}>`)).code, 250);
  assert.equal((await client.command('DATA')).code, 354);
  client.write('Subject: cut\r\nMessage-ID: <cut@bad.test>\r\n\r\nhalf a mess');
  client.close();
  await stillServes();
  assert.equal((await env.inbox(USER)).filter((m) => m.raw.includes('<cut@bad.test>')).length, 0);
});
