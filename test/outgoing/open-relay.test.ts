/**
 * Postyard is no open relay, even with outgoing mail on: swaks tries the classic tricks on the inbound
 * port (no AUTH) and on submission without AUTH. Every attempt is refused, nothing is queued and the
 * MX of the would-be victim domain never hears from us.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { type ScriptedMx, startScriptedMx } from './helpers.js';

let dns: TestDnsServer;
let mx: ScriptedMx;
let srv: TestServer;

before(async () => {
  mx = await startScriptedMx();
  dns = await startDnsServer({
    'remote.test': { MX: [{ exchange: 'mx.remote.test', priority: 10 }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
  });
  srv = await startTestServer({
    localDomains: ['example.org'],
    outgoing: { mode: 'direct', dnsServers: [dns.address], mxPort: mx.port },
  });
  await srv.addUser('user@example.org', 'user-secret');
});

after(async () => {
  await srv?.close();
  await mx?.close();
  await dns?.close();
});

/** The classic relay tricks (RFC 2505 2.2 and folklore): each must be refused at RCPT. */
const TRICKS = [
  'victim@remote.test',
  'victim@REMOTE.TEST',
  'victim@remote.test.',
  'victim%remote.test@example.org',
  'victim!remote.test@example.org',
  'remote.test!victim@example.org',
  '"victim@remote.test"@example.org',
  '"victim%remote.test"@example.org',
  '@example.org:victim@remote.test',
  '@example.org,@remote.test:victim@remote.test',
  'victim@remote.test@example.org',
  'victim@[127.0.0.1]',
  'victim%remote.test@[127.0.0.1]',
  'user@example.org@remote.test',
];

/** Runs swaks asynchronously: the server under test lives in this process. */
function run(args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile('swaks', args, { timeout: 30_000 }, (_err, stdout, stderr) => resolve(`${stdout}${stderr}`));
  });
}

async function swaks(port: number, to: string): Promise<{ rcptReply: string; output: string }> {
  const from = 'spammer@evil.test';
  const output = await run([
    '--server',
    '127.0.0.1',
    '--port',
    String(port),
    '--from',
    from,
    '--to',
    to,
    '--quit-after',
    'RCPT',
  ]);
  const lines = output.split('\n');
  const rcpt = lines.findIndex((l) => / -> RCPT TO:/.test(l));
  return { rcptReply: rcpt === -1 ? '' : (lines[rcpt + 1] ?? ''), output };
}

test('inbound SMTP (no AUTH) refuses every relay trick', async (t) => {
  if (!requireTool(t, 'swaks')) return;
  for (const to of TRICKS) {
    const { rcptReply, output } = await swaks(srv.ports.smtp!, to);
    assert.doesNotMatch(rcptReply, /^<-\s+2/, `${to} was accepted:\n${output}`);
    if (rcptReply !== '') assert.match(rcptReply, /^<\*\*\s+5\d\d /, `${to}: ${rcptReply}`);
  }
  // A plain attempt is answered with the relaying refusal, never "no such user".
  assert.match((await swaks(srv.ports.smtp!, 'victim@remote.test')).rcptReply, /554 5\.7\.1 Relaying denied/);
});

test('submission without AUTH relays nothing either', async (t) => {
  if (!requireTool(t, 'swaks')) return;
  const port = String(srv.ports.submission!);
  const output = await run([
    '--server',
    '127.0.0.1',
    '--port',
    port,
    '--from',
    'user@example.org',
    '--to',
    'victim@remote.test',
    '--quit-after',
    'RCPT',
  ]);
  assert.match(output, /<\*\*\s+530 5\.7\.0 /);
});

test('after all of it: nothing queued, nothing reached the MX', async () => {
  assert.deepEqual(await srv.ctx.store.queueSummary(), {
    messages: 0,
    recipients: 0,
    bytes: 0,
    oldest: null,
  });
  assert.equal(mx.transactions.length, 0);
});
