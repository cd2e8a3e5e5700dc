/**
 * Real mail clients send through submission to a remote address: neomutt (batch mode, smtp_url),
 * Python's smtplib (STARTTLS + AUTH) and curl (smtp://, STARTTLS required). Each message must reach the
 * remote domain's MX, found through a real DNS server.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { attempts, type ScriptedMx, startScriptedMx } from './helpers.js';

const USER = 'alice@example.org';
const PASSWORD = 'alice-secret';

let dns: TestDnsServer;
let mx: ScriptedMx;
let srv: TestServer;
let home: string;

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
  await srv.addUser(USER, PASSWORD);
  home = await mkdtemp(join(tmpdir(), 'postyard-clients-'));
});

after(async () => {
  await srv?.close();
  await mx?.close();
  await dns?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

function run(
  command: string,
  args: string[],
  input: string,
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: 60_000, env: { ...process.env, ...env } },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` }),
    );
    child.stdin?.end(input);
  });
}

/** Sends with `send`, then waits for the attempt and returns what the MX got. */
async function through(send: () => Promise<{ code: number; output: string }>, rcpt: string): Promise<string> {
  const seen = attempts(srv.server.outgoing.events);
  const result = await send();
  assert.equal(result.code, 0, result.output);
  const [report] = await seen.next();
  seen.stop();
  assert.deepEqual(
    report!.outcomes.map((o) => [o.address, o.outcome]),
    [[rcpt, 'delivered']],
  );
  const transaction = mx.transactions.find((t) => t.to.includes(rcpt));
  assert.ok(transaction, `the MX got the message for ${rcpt}`);
  assert.equal(transaction.from, USER);
  return transaction.body;
}

test('neomutt sends to a remote address through submission', async (t) => {
  if (!requireTool(t, 'neomutt')) return;
  const rc = join(home, 'muttrc');
  await writeFile(
    rc,
    [
      `set smtp_url="smtp://${encodeURIComponent(USER)}@127.0.0.1:${srv.ports.submission}/"`,
      `set smtp_pass="${PASSWORD}"`,
      `set from="${USER}"`,
      'set realname="Alice"',
      // The loopback peer may authenticate without TLS; the test certificate is self-signed.
      'set ssl_starttls=no',
      'set ssl_force_tls=no',
      'set record=""',
    ].join('\n'),
  );
  const body = await through(
    () =>
      run('neomutt', ['-n', '-F', rc, '-s', 'from neomutt', 'bob@remote.test'], 'Hello from neomutt.\n', {
        HOME: home,
      }),
    'bob@remote.test',
  );
  assert.match(body, /^Subject: from neomutt$/m);
  assert.match(body, /^From: Alice <alice@example\.org>$/m);
  assert.match(body, /Hello from neomutt\./);
});

test("Python's smtplib sends with STARTTLS and AUTH", async (t) => {
  if (!requireTool(t, 'python3')) return;
  const script = `
import smtplib, ssl, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=30)
s.starttls(context=ssl._create_unverified_context())
s.login(sys.argv[2], sys.argv[3])
s.sendmail(sys.argv[2], ['carol@remote.test'], sys.stdin.read())
s.quit()
`;
  const message = `From: ${USER}\r\nTo: carol@remote.test\r\nSubject: from smtplib\r\n\r\nHello from Python.\r\n`;
  const body = await through(
    () => run('python3', ['-c', script, String(srv.ports.submission), USER, PASSWORD], message),
    'carol@remote.test',
  );
  assert.match(body, /with ESMTPSA id /, 'TLS and AUTH in the Received field');
  assert.match(body, /Hello from Python\./);
});

test('curl sends over smtp:// with STARTTLS required', async (t) => {
  if (!requireTool(t, 'curl')) return;
  const message = `From: ${USER}\r\nTo: dave@remote.test\r\nSubject: from curl\r\n\r\nHello from curl.\r\n`;
  const body = await through(
    () =>
      run(
        'curl',
        [
          ...['-s', '-S', '--ssl-reqd', '-k', '--url', `smtp://127.0.0.1:${srv.ports.submission}`],
          ...['--user', `${USER}:${PASSWORD}`, '--mail-from', USER, '--mail-rcpt', 'dave@remote.test'],
          ...['--upload-file', '-'],
        ],
        message,
      ),
    'dave@remote.test',
  );
  assert.match(body, /with ESMTPSA id /);
  assert.match(body, /^Subject: from curl$/m);
});
