/**
 * A submission for remote recipients only is queued as bytes, without the MIME analysis local delivery
 * needs: the MX must still get exactly what was submitted (with our Received field on top), a NUL in the
 * header must still be refused before anything is queued, and a mixed submission still fills the local
 * mailbox with a parsed message.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { RawSmtpClient } from '../delivery/helpers/smtp-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { attempts, type ScriptedMx, startScriptedMx } from './helpers.js';

const USER = 'alice@example.org';
const PASSWORD = 'alice-secret';
let mx: ScriptedMx;
let srv: TestServer;

before(async () => {
  mx = await startScriptedMx();
  srv = await startTestServer({
    localDomains: ['example.org'],
    outgoing: { mode: 'smarthost', smarthost: { host: '127.0.0.1', port: mx.port, security: 'none' } },
  });
  await srv.addUser(USER, PASSWORD);
  await srv.addUser('bob@example.org', 'bob-secret');
});

after(async () => {
  await srv?.close();
  await mx?.close();
});

async function session(): Promise<RawSmtpClient> {
  const client = await RawSmtpClient.connect(srv.ports.submission!);
  assert.equal((await client.read()).code, 220);
  assert.equal((await client.command('EHLO client.example')).code, 250);
  const token = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
  assert.equal((await client.command(`AUTH PLAIN ${token}`)).code, 235);
  return client;
}

async function send(client: RawSmtpClient, to: string[], message: string): Promise<string> {
  assert.equal((await client.command(`MAIL FROM:<${USER}>`)).code, 250);
  for (const rcpt of to) assert.equal((await client.command(`RCPT TO:<${rcpt}>`)).code, 250);
  assert.equal((await client.command('DATA')).code, 354);
  client.sendData(message);
  return (await client.read()).text;
}

const message = (id: string, extra = '') =>
  `From: <${USER}>\r\nTo: <x@remote.test>\r\nSubject: ${id}${extra}\r\nMessage-ID: <${id}@postyard.test>\r\n` +
  `\r\nBody of ${id}, kept byte for byte.\r\n.a line that starts with a dot\r\n`;

test('remote-only: refused with a NUL in the header, queued byte-exact otherwise', async () => {
  const client = await session();
  assert.match(await send(client, ['x@remote.test'], message('nul', '\x00')), /^554 5\.6\.0 .*NUL/);
  assert.equal((await srv.ctx.store.listQueue()).length, 0, 'nothing queued');

  const seen = attempts(srv.server.outgoing.events);
  assert.match(await send(client, ['x@remote.test'], message('exact')), /^250 /);
  await seen.next();
  seen.stop();
  client.close();
  assert.equal(mx.transactions.length, 1, 'the NUL message never reached the MX');
  const body = mx.transactions[0]!.body;
  assert.match(body, /^Received: /);
  assert.ok(body.endsWith(`\r\n${message('exact')}`), body);
});

test('mixed local and remote recipients: the local copy is parsed, the remote one sent', async () => {
  const client = await session();
  const seen = attempts(srv.server.outgoing.events);
  assert.match(await send(client, ['bob@example.org', 'y@remote.test'], message('mixed')), /^250 /);
  await seen.next();
  seen.stop();
  client.close();
  assert.ok(mx.transactions.some((t) => t.to.includes('y@remote.test') && t.body.includes('Subject: mixed')));
  const bob = (await srv.ctx.store.getAccount('bob@example.org'))!;
  const inbox = (await srv.ctx.store.getMailbox(bob.id, 'INBOX'))!;
  assert.equal((await srv.ctx.store.getIndex(inbox.id)).uids.length, 1);
});
