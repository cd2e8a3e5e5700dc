import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { generateSelfSigned } from '../../src/server/net/tls.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { connect } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const underTsx = import.meta.url.endsWith('.ts');
const childScript = join(here, underTsx ? 'serve-child.ts' : 'serve-child.js');

/** Each test gets its own data directory and child; both are cleaned up even when a test fails. */
let dataDir: string;
let child: ChildProcess | undefined;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postyard-signals-'));
});

afterEach(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
  await rm(dataDir, { recursive: true, force: true });
});

interface Child {
  child: ChildProcess;
  ports: Record<string, number>;
  /** Resolves when the child has printed `line` (a whole line of its stdout) from now on. */
  printed(line: string): Promise<void>;
}

function startChild(overrides: object, users: [string, string][] = []): Promise<Child> {
  const proc = spawn(
    process.execPath,
    [
      ...(underTsx ? ['--import', 'tsx'] : []),
      childScript,
      dataDir,
      JSON.stringify(overrides),
      JSON.stringify(users),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  proc.stdout!.on('data', (d) => (out += d));
  const printed = (line: string) => {
    const from = out.length;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child did not print ${line}: ${out} ${err}`)), 20_000);
      const check = () => {
        if (!out.slice(from).split('\n').includes(line)) return;
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve();
      };
      proc.stdout!.on('data', check);
    });
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not start: ${out} ${err}`)), 20_000);
    proc.stdout!.on('data', () => {
      const m = /READY (\{.*\})\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child: proc, ports: JSON.parse(m[1]!), printed });
      }
    });
    proc.once('exit', (code) => reject(new Error(`child exited early (${code}): ${out} ${err}`)));
  });
}

/** Resolves once `port` refuses connections (the listener is closed); connections made meanwhile are dropped. */
function refusedOn(port: number): Promise<void> {
  let refused = false;
  return waitUntil(async () => {
    refused ||= await connect(port).then(
      (c) => {
        c.socket.destroy();
        return false;
      },
      (e: Error) => /ECONNREFUSED/.test(e.message),
    );
    return refused;
  }, `port ${port} to refuse connections`);
}

function peerCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.destroy();
      resolve(String(Array.isArray(cn) ? cn[0] : cn));
    });
    s.once('error', reject);
  });
}

test('server process: SIGHUP swaps the certificate for new connections, SIGTERM closes sessions and exits 0', async () => {
  const logFile = join(dataDir, 'server.log');
  const started = await startChild({
    log: { level: 'info', file: logFile },
    listeners: { smtp: { enabled: false }, lmtp: { enabled: false }, submission: { enabled: false } },
  });
  child = started.child;
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  const { ports } = started;

  const imap = await connect(ports.imap!);
  const pop3 = await connect(ports.pop3!);
  assert.ok((await imap.readLine()).length > 0);
  assert.ok((await pop3.readLine()).length > 0);
  assert.equal(await peerCommonName(ports.imaps!), 'mail.postyard.test');

  const other = await generateSelfSigned(join(dataDir, 'next'), 'renewed.postyard.test');
  await copyFile(other.key, join(dataDir, 'tls/key.pem'));
  await copyFile(other.cert, join(dataDir, 'tls/cert.pem'));
  const reloaded = started.printed('RELOADED');
  child.kill('SIGHUP');
  await reloaded;
  assert.equal(await peerCommonName(ports.imaps!), 'renewed.postyard.test');
  assert.equal(imap.closed || pop3.closed, false, 'reload does not drop connections');

  // Sessions are closed by the server's own goodbye, not by the grace period running out (10 s, after
  // which remaining sockets are destroyed and a warning is logged).
  const imapGoodbye = imap.readUntil(/^\* BYE/, 20_000);
  const pop3Goodbye = pop3.readUntil(/^-ERR/, 20_000);
  child.kill('SIGTERM');
  assert.match((await imapGoodbye).at(-1)!, /^\* BYE .*shutting down/i);
  assert.match((await pop3Goodbye).at(-1)!, /^-ERR .*shutting down/i);
  await Promise.all([imap.waitClosed(20_000), pop3.waitClosed(20_000)]);
  assert.equal(await exited, 0);
  const log = await readFile(logFile, 'utf8');
  assert.match(log, /"msg":"configuration reloaded"/);
  assert.match(log, /"msg":"stopped"/);
  assert.doesNotMatch(log, /after the grace period/);
  await assert.rejects(connect(ports.imap!), /ECONNREFUSED/);
});

test('SIGTERM during an LMTP DATA transfer: the delivery finishes with 250, is stored, then the process exits 0', async () => {
  const started = await startChild(
    { listeners: { smtp: { enabled: false }, submission: { enabled: false } } },
    [['bob@example.com', 'pw']],
  );
  child = started.child;
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  const lmtp = await connect(started.ports.lmtp!);
  assert.match(await lmtp.readLine(), /^220/);
  lmtp.send('LHLO client.test');
  await lmtp.readUntil(/^250 /);
  lmtp.send('MAIL FROM:<alice@example.org>');
  assert.match(await lmtp.readLine(), /^250/);
  lmtp.send('RCPT TO:<bob@example.com>');
  assert.match(await lmtp.readLine(), /^250/);
  lmtp.send('DATA');
  assert.match(await lmtp.readLine(), /^354/);
  lmtp.write('From: alice@example.org\r\nTo: bob@example.com\r\nSubject: in flight\r\n\r\n');

  child.kill('SIGTERM');
  // The rest of the message goes out once shutdown has reached the LMTP listener (it stops accepting).
  await refusedOn(started.ports.lmtp!);
  lmtp.write('This message was half sent when SIGTERM arrived.\r\n.\r\n');
  assert.match(await lmtp.readLine(10_000), /^250/);
  await lmtp.waitClosed(12_000);
  assert.equal(await exited, 0);

  const store = await openSqliteStore({ dataDir });
  try {
    const account = (await store.getAccount('bob@example.com'))!;
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    assert.equal((await store.getIndex(inbox.id)).uids.length, 1, 'the acknowledged message is stored');
  } finally {
    await store.close();
  }
});
