/**
 * `postyard deliver` run as a child process (the compiled CLI, bin/postyard.js → dist/): sysexits codes
 * 0 / 64 / 65 / 67 / 75 / 78, one line on stderr, never a stack trace. Build first (npm test does).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeDefaultConfig } from '../../src/config/config.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { sampleMessage } from './helpers/delivery-env.js';

/** The repository root, from source (test/delivery) or compiled (dist/test/delivery). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'bin', 'postyard.js')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

const POSTYARD = join(repoRoot(), 'bin', 'postyard.js');
let dataDir: string;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'postyard-deliver-cli-'));
  await writeDefaultConfig(dataDir, { hostname: 'cli.postyard.test' });
  const store = await openSqliteStore({ dataDir });
  await store.createAccount('frank@example.org', 'not-a-real-hash');
  await store.createAccount('full@example.org', 'not-a-real-hash', { quotaMessages: 0 });
  await store.close();
});

after(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function deliver(
  args: string[],
  input: string | Buffer,
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [POSTYARD, 'deliver', ...args], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...withoutSender(process.env), ...env },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input);
  });
}

/** The environment without $SENDER, which would otherwise become the Return-Path. */
function withoutSender(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { SENDER: _ignored, ...rest } = env;
  return rest;
}

function assertOneCleanLine(stderr: string): void {
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${stderr}`);
  assert.ok(!/\bat .*:\d+:\d+/.test(stderr), 'no stack trace');
}

async function inbox(login: string, mailbox = 'INBOX'): Promise<string[]> {
  const store = await openSqliteStore({ dataDir });
  try {
    const account = (await store.getAccount(login))!;
    const box = (await store.getMailbox(account.id, mailbox))!;
    const index = await store.getIndex(box.id);
    const records = await store.getMessages(box.id, [...index.uids]);
    return Promise.all(records.map(async (r) => (await store.blobs.read(r.blobId)).toString('latin1')));
  } finally {
    await store.close();
  }
}

test('exit 0: delivered, bare LF stored as CRLF, Return-Path from --from', async () => {
  const run = await deliver(
    ['--data', dataDir, '--to', 'Frank+cli@Example.org', '--from', 'mta@example.net'],
    sampleMessage('ok@cli.test', { lf: true }),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const [stored] = (await inbox('frank@example.org')).filter((m) => m.includes('<ok@cli.test>'));
  assert.ok(stored);
  assert.ok(
    stored.startsWith(
      'Return-Path: <mta@example.net>\r\nDelivered-To: <Frank+cli@Example.org>\r\nFrom: Sender',
    ),
    stored.slice(0, 200),
  );
  assert.equal(/(?<!\r)\n/.test(stored), false);
});

test('the envelope sender from $SENDER (Postfix local/pipe) when --from is not given', async () => {
  const run = await deliver(['--data', dataDir, '--to', 'frank@example.org'], sampleMessage('env@cli.test'), {
    SENDER: 'list-bounces@example.net',
  });
  assert.equal(run.code, 0, run.stderr);
  const [stored] = (await inbox('frank@example.org')).filter((m) => m.includes('<env@cli.test>'));
  assert.ok(
    stored?.startsWith('Return-Path: <list-bounces@example.net>\r\nDelivered-To: <frank@example.org>\r\n'),
  );
});

test('--mailbox delivers into that mailbox; a missing one falls back to INBOX', async () => {
  assert.equal(
    (
      await deliver(
        ['--data', dataDir, '--to', 'frank@example.org', '-m', 'Archive'],
        sampleMessage('arch@cli.test'),
      )
    ).code,
    0,
  );
  assert.equal(
    (
      await deliver(
        ['--data', dataDir, '--to', 'frank@example.org', '-m', 'Nope'],
        sampleMessage('nope@cli.test'),
      )
    ).code,
    0,
  );
  assert.equal(
    (await inbox('frank@example.org', 'Archive')).filter((m) => m.includes('<arch@cli.test>')).length,
    1,
  );
  assert.equal((await inbox('frank@example.org')).filter((m) => m.includes('<nope@cli.test>')).length, 1);
});

test('exit 67: unknown user', async () => {
  const run = await deliver(['--data', dataDir, '--to', 'nobody@example.org'], sampleMessage('x@cli.test'));
  assert.equal(run.code, 67);
  assert.match(run.stderr, /unknown user nobody@example\.org/);
  assertOneCleanLine(run.stderr);
});

test('exit 75: over quota is a temporary failure', async () => {
  const run = await deliver(['--data', dataDir, '--to', 'full@example.org'], sampleMessage('q@cli.test'));
  assert.equal(run.code, 75);
  assert.match(run.stderr, /over quota/);
  assertOneCleanLine(run.stderr);
});

test('exit 65: a NUL in the header', async () => {
  const run = await deliver(['--data', dataDir, '--to', 'frank@example.org'], 'Subject: a\x00b\n\nbody\n');
  assert.equal(run.code, 65);
  assertOneCleanLine(run.stderr);
});

test('exit 64 without --to; exit 78 without a config', async () => {
  const usage = await deliver(['--data', dataDir], 'x');
  assert.equal(usage.code, 64);
  assertOneCleanLine(usage.stderr);
  const empty = await mkdtemp(join(tmpdir(), 'postyard-deliver-empty-'));
  try {
    const noConfig = await deliver(['--data', empty, '--to', 'frank@example.org'], 'x');
    assert.equal(noConfig.code, 78);
    assertOneCleanLine(noConfig.stderr);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test('exit 0: a message past the in-memory threshold streams from stdin (bare LF → CRLF, size right)', async () => {
  const body = `${'y'.repeat(75)}\n`.repeat(80_000); // ~6 MB, past ingest's 4 MB threshold
  const message = `From: Big <big@cli.test>\nSubject: big stdin\nMessage-ID: <big@cli.test>\n\n${body}`;
  const run = await deliver(['--data', dataDir, '--to', 'frank@example.org'], message);
  assert.equal(run.code, 0, run.stderr);
  const [stored] = (await inbox('frank@example.org')).filter((m) => m.includes('<big@cli.test>'));
  assert.ok(stored);
  assert.ok(stored.endsWith(`${'y'.repeat(75)}\r\n`));
  assert.equal(/(?<!\r)\n/.test(stored), false);
  const trace = stored.indexOf('From: Big');
  assert.equal(stored.length - trace, message.length + message.split('\n').length - 1);
});

test('exit 65: over maxMessageSize while streaming from stdin', async () => {
  const run = await deliver(
    ['--data', dataDir, '--to', 'frank@example.org'],
    Buffer.alloc(51 * 1024 * 1024, 0x7a),
  );
  assert.equal(run.code, 65, run.stderr);
  assert.match(run.stderr, /message refused: Message exceeds/);
  assertOneCleanLine(run.stderr);
});
