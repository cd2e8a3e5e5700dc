import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { BIN, FREE_PORTS, initData, ROOT, runCli, tempRoot, untilPrinted } from './helpers.js';

async function storeWithMail(t: { after(fn: () => void): void }): Promise<string> {
  const dataDir = await initData(t);
  const add = await runCli(['user', 'add', 'bob@example.com', '--password-stdin', '--data', dataDir], {
    input: 'pw\n',
  });
  assert.equal(add.code, 0, add.stderr);
  const mbox = join(dataDir, '..', 'three.mbox');
  const message = (n: number) =>
    `From a@b Mon Jan  1 00:00:0${n} 2024\nSubject: message ${n}\n\nbody ${n}\n\n`;
  writeFileSync(mbox, message(1) + message(2) + message(3));
  const imported = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(imported.code, 0, imported.stderr);
  return dataDir;
}

test('doctor --check on a clean store exits 0', async (t) => {
  const dataDir = await storeWithMail(t);
  const result = await runCli(['doctor', '--check', '--data', dataDir]);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /^config ok {4}.*postyard\.json is valid$/m);
  assert.match(result.stdout, /^cert {3}ok {4}.*valid until/m);
  assert.match(result.stdout, /^store {2}ok {4}3 messages/m);
  assert.match(result.stdout, /doctor: no problems found/);
});

test('doctor --check after a blob is deleted exits non-zero and names the problem', async (t) => {
  const dataDir = await storeWithMail(t);
  // Small messages keep their bodies in the database (inline_blobs): remove one row behind its back.
  const db = new Database(join(dataDir, 'postyard.sqlite'));
  assert.equal(db.prepare('SELECT count(*) FROM inline_blobs').pluck().get(), 3);
  db.prepare('DELETE FROM inline_blobs WHERE rowid = (SELECT min(rowid) FROM inline_blobs)').run();
  db.close();
  const result = await runCli(['doctor', '--check', '--data', dataDir]);
  assert.equal(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /^store {2}FAIL {2}missing-blob: /m);
  assert.match(result.stdout, /doctor: \d+ problems? found/);
  // --repair cannot bring mail back; the problem remains and the exit code says so.
  const repaired = await runCli(['doctor', '--repair', '--data', dataDir]);
  assert.notEqual(repaired.code, 0);
});

test('unreferenced blobs: young ones in one ok line, old ones one warning; doctor --repair collects them', async (t) => {
  const dataDir = await storeWithMail(t);
  const id = 'ab'.repeat(32);
  const dir = join(dataDir, 'blobs', 'ab', 'ab');
  mkdirSync(dir, { recursive: true });
  const orphan = join(dir, id);
  writeFileSync(orphan, 'nobody refers to me');
  mkdirSync(join(dataDir, 'blobs', 'ac', 'ac'), { recursive: true });
  const young = join(dataDir, 'blobs', 'ac', 'ac', 'ac'.repeat(32));
  writeFileSync(young, 'a delivery in flight');
  const hourAgo = Date.now() / 1000 - 3600;
  utimesSync(orphan, hourAgo, hourAgo);

  const check = await runCli(['doctor', '--skip-ports', '--data', dataDir]);
  assert.equal(check.code, 0, check.stdout);
  assert.match(check.stdout, /^store {2}ok {4}\d+ messages, \d+ blobs: consistent$/m);
  assert.match(
    check.stdout,
    /^store {2}ok {4}1 unreferenced blob \(20 B\) younger than the 15-minute grace period: expected, collected later$/m,
  );
  assert.match(
    check.stdout,
    /^store {2}WARN {2}1 unreferenced blob \(19 B\) past the grace period: the running server collects them at its next maintenance, or run doctor --repair$/m,
  );
  assert.match(check.stdout, /^doctor: no problems found, 2 warnings \(WARN above\)$/m);

  const repair = await runCli(['doctor', '--repair', '--skip-ports', '--data', dataDir]);
  assert.equal(repair.code, 0, repair.stdout);
  assert.match(repair.stdout, /^store {2}ok {4}collected 1 unreferenced blob \(19 B freed\)$/m);
  assert.equal(existsSync(orphan), false);
  assert.equal(existsSync(young), true, 'inside the grace period');
});

test('doctor reports a port held by another process, a bad certificate and a broken config', async (t) => {
  const dataDir = await initData(t);
  const blocker: Server = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const configFile = join(dataDir, 'postyard.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.listeners.pop3.port = port;
  writeFileSync(configFile, JSON.stringify(config));
  writeFileSync(join(dataDir, 'tls', 'cert.pem'), 'not a certificate');
  chmodSync(join(dataDir, 'tls', 'key.pem'), 0o644);

  const result = await runCli(['doctor', '--data', dataDir]);
  assert.equal(result.code, 1, result.stderr);
  // The blocker is this test process: found through /proc, named with its pid.
  assert.match(
    result.stdout,
    new RegExp(
      `^port   FAIL  POP3 cannot listen on 127\\.0\\.0\\.1:${port}: already in use \\(by pid ${process.pid}, [^)]+\\); ` +
        `change \`listeners\\.pop3\\.port\` in ${configFile.replace(/[.]/g, '\\.')}$`,
      'm',
    ),
  );
  assert.match(result.stdout, /^cert {3}FAIL {2}tls\.cert .* is not a readable PEM certificate/m);
  assert.match(
    result.stdout,
    /^cert {3}WARN {2}tls\.key .* is readable by others \(mode 644\); chmod 600 it$/m,
  );

  config.listeners.pop3.colour = 'blue';
  writeFileSync(configFile, JSON.stringify(config));
  const broken = await runCli(['doctor', '--data', dataDir]);
  assert.equal(broken.code, 1, broken.stderr);
  assert.match(broken.stdout, /^config FAIL {2}config: unknown key listeners\.pop3\.colour/m);
});

test("doctor recognises the ports of this data dir's running server", async (t) => {
  const { dataDir } = tempRoot(t);
  const probe: Server = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const ports = FREE_PORTS.map((arg) => (arg === 'imap=0' ? `imap=${port}` : arg));
  const server = spawn(process.execPath, [BIN, 'start', '--data', dataDir, ...ports], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => server.kill('SIGKILL'));
  let stdout = '';
  server.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  await untilPrinted(server, () => stdout, 'Stop with Ctrl-C');

  const result = await runCli(['doctor', '--data', dataDir]);
  assert.equal(result.code, 0, result.stdout);
  assert.match(
    result.stdout,
    new RegExp(
      `^port   ok    imap 127\\.0\\.0\\.1:${port} in use by this server \\(pid ${server.pid}\\)$`,
      'm',
    ),
  );
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
});

test('doctor warns about an incomplete full-text search index and --repair rebuilds it', async (t) => {
  const dataDir = await storeWithMail(t);
  const clean = await runCli(['doctor', '--skip-ports', '--data', dataDir]);
  assert.match(clean.stdout, /^store {2}ok {4}full-text search index: complete$/m);

  // Damage the index as a crash inside a hand-run rebuild could: one message's row gone.
  const db = new Database(join(dataDir, 'postyard.sqlite'));
  db.exec('DELETE FROM message_search WHERE rowid = (SELECT min(id) FROM message_meta)');
  db.close();
  const check = await runCli(['doctor', '--skip-ports', '--data', dataDir]);
  assert.equal(check.code, 0, check.stdout);
  assert.match(
    check.stdout,
    /^store {2}WARN {2}full-text search index incomplete: 1 message text not indexed \(SEARCH misses them\); run doctor --repair$/m,
  );

  const repair = await runCli(['doctor', '--repair', '--skip-ports', '--data', dataDir]);
  assert.equal(repair.code, 0, repair.stdout);
  assert.match(repair.stdout, /^store {2}ok {4}full-text search index rebuilt: 3 message texts indexed$/m);
  const after = await runCli(['doctor', '--skip-ports', '--data', dataDir]);
  assert.match(after.stdout, /^store {2}ok {4}full-text search index: complete$/m);
});
