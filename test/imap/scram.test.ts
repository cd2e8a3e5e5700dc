/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS over IMAP with a real client, GNU SASL's `gsasl --imap`
 * (GnuTLS): channel binding tls-exporter on TLS 1.3 and tls-unique on TLS 1.2, plain SCRAM without
 * TLS, wrong passwords through the shared throttle, and an account from before SCRAM getting its keys
 * at its next password login.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { hashPassword } from '../../src/server/auth/password.js';
import { connect } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { rawImap } from './harness.js';

let srv: TestServer;
before(async () => {
  // Failed logins are not waited for (the throttle still counts them); three block the address.
  srv = await startTestServer({ limits: { maxAuthFailures: 3 } }, { auth: { sleep: async () => {} } });
  await srv.addUser('scram@example.com', 'pencil');
});
after(() => srv.close());

interface Run {
  code: number | null;
  output: string;
}

/** One gsasl IMAP login (STARTTLS unless `plaintext`), LOGOUT after it. */
async function gsasl(
  mechanism: string,
  password: string,
  options: { plaintext?: boolean; tls12?: boolean; login?: string } = {},
): Promise<Run> {
  const args = [
    '--imap',
    `--connect=127.0.0.1:${srv.ports.imap}`,
    '--mechanism',
    mechanism,
    '--authentication-id',
    options.login ?? 'scram@example.com',
    '--password',
    password,
    `--x509-ca-file=${join(srv.dataDir, 'tls', 'cert.pem')}`,
    '--verbose',
  ];
  if (options.plaintext) args.push('--no-starttls');
  if (options.tls12) args.push('--priority', 'NORMAL:-VERS-TLS1.3');
  const child = spawn('gsasl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/** The gs2 header gsasl sent (its first SCRAM message, base64 on its own line after `+ `). */
function gs2Header(output: string): string {
  for (const line of output.split('\n')) {
    const text = Buffer.from(line.trim(), 'base64').toString('latin1');
    const m = /^(n|y|p=[a-z-]+),[^,]*,n=/.exec(text);
    if (m) return m[1] as string;
  }
  return '';
}

test('capabilities: SCRAM-SHA-256 always, -PLUS only on TLS', async () => {
  const plain = await connect(srv.ports.imap as number);
  const greeting = await plain.readLine();
  assert.match(greeting, / AUTH=SCRAM-SHA-256[ \]]/);
  assert.doesNotMatch(greeting, /SCRAM-SHA-256-PLUS/);
  await plain.close();
  const tls = await connect(srv.ports.imaps as number, { tls: true });
  assert.match(await tls.readLine(), / AUTH=SCRAM-SHA-256-PLUS AUTH=SCRAM-SHA-256[ \]]/);
  await tls.close();
});

test('gsasl SCRAM-SHA-256-PLUS, TLS 1.3: tls-exporter channel binding', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const run = await gsasl('SCRAM-SHA-256-PLUS', 'pencil');
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /\(TLS1\.3\)/);
  assert.equal(gs2Header(run.output), 'p=tls-exporter', run.output);
  assert.match(run.output, /OK \[CAPABILITY [^\]]*\] Logged in/);
});

test('gsasl SCRAM-SHA-256-PLUS, TLS 1.2: tls-unique channel binding', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const run = await gsasl('SCRAM-SHA-256-PLUS', 'pencil', { tls12: true });
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /\(TLS1\.2\)/);
  assert.equal(gs2Header(run.output), 'p=tls-unique', run.output);
});

test('gsasl SCRAM-SHA-256 without TLS (loopback is trusted)', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const run = await gsasl('SCRAM-SHA-256', 'pencil', { plaintext: true });
  assert.equal(run.code, 0, run.output);
  assert.equal(gs2Header(run.output), 'n', run.output);
  assert.match(run.output, /Logged in/);
});

test('an account from before SCRAM gets its keys at its next password login', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const login = 'legacy@example.com';
  await srv.ctx.store.createAccount(login, await hashPassword('old-style'));
  assert.equal((await srv.ctx.store.getPasswordHash(login))?.scramSha256 ?? null, null);
  const before = await gsasl('SCRAM-SHA-256-PLUS', 'old-style', { login });
  assert.notEqual(before.code, 0, before.output);
  assert.match(before.output, /NO \[AUTHENTICATIONFAILED\]/);
  const imap = await rawImap(srv.ports.imap as number, { login, password: 'old-style' });
  await imap.close();
  assert.ok((await srv.ctx.store.getPasswordHash(login))?.scramSha256);
  const afterLogin = await gsasl('SCRAM-SHA-256-PLUS', 'old-style', { login });
  assert.equal(afterLogin.code, 0, afterLogin.output);
});

test('wrong SCRAM proofs go through the shared throttle: blocked for SCRAM, and for POP3 passwords too', async (t) => {
  if (!requireTool(t, 'gsasl')) return;
  const login = 'victim@example.com';
  await srv.addUser(login, 'right');
  for (let i = 0; i < 3; i++) {
    const run = await gsasl('SCRAM-SHA-256-PLUS', 'wrong', { login });
    assert.notEqual(run.code, 0, run.output);
    assert.match(run.output, /NO \[AUTHENTICATIONFAILED\]/);
  }
  const blocked = await gsasl('SCRAM-SHA-256-PLUS', 'right', { login });
  assert.notEqual(blocked.code, 0, blocked.output);
  assert.match(blocked.output, /NO \[UNAVAILABLE\] Too many failed logins/);
  // One throttle for every listener of the process: POP3 refuses the right password too.
  const pop3 = await connect(srv.ports.pop3 as number);
  assert.match(await pop3.readLine(), /^\+OK/);
  pop3.send(`USER ${login}`);
  assert.match(await pop3.readLine(), /^\+OK/);
  pop3.send('PASS right');
  assert.match(await pop3.readLine(), /^-ERR \[SYS\/TEMP\] Too many failed logins/);
  await pop3.close();
});

test('hostile SCRAM input: BAD, and the connection goes on', async () => {
  const imap = await rawImap(srv.ports.imap as number);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  for (const first of ['garbage', 'n,,n=a=41,r=x', 'p=tls-exporter,,n=a,r=x', 'n,,m=x,n=a,r=x']) {
    assert.match((await imap.run(`AUTHENTICATE SCRAM-SHA-256 ${b64(first)}`)).at(-1) ?? '', /^t\d+ BAD/);
  }
  // A well-formed start, then a final message that is not base64.
  imap.client.send(`t9 AUTHENTICATE SCRAM-SHA-256 ${b64('n,,n=scram@example.com,r=abc')}`);
  assert.match(await imap.client.readLine(), /^\+ \S+/);
  imap.client.send('!!!');
  assert.match(await imap.client.readLine(), /^t9 BAD/);
  assert.match((await imap.run('NOOP')).at(-1) ?? '', /^t\d+ OK/);
  await imap.close();
});
