/**
 * Errors that say what to do (issue 14): a config another user may not read is reported as such, with
 * its owner, and never taken for a first run; a data directory we may not write exits 77 (EX_NOPERM)
 * naming the owner; a JSON syntax error names line and column. The permission cases run the CLI as
 * `nobody` (setpriv) when the tests run as root, since root reads and writes everything.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { BIN, type CliResult, hasStackTrace, initData as initDataDir, ROOT, runCli } from './helpers.js';

/** initData whose directory is made accessible again before the cleanup removes it (non-root runs). */
async function initData(t: TestContext): Promise<string> {
  const dataDir = await initDataDir({
    after: (fn) =>
      t.after(() => {
        for (const path of [dataDir, join(dataDir, 'postyard.json')]) {
          try {
            chmodSync(path, 0o700);
          } catch {
            // Already removed or never made.
          }
        }
        fn();
      }),
  });
  // mkdtemp makes the enclosing directory 0700; another user must at least reach the data directory.
  chmodSync(dirname(dataDir), 0o755);
  return dataDir;
}

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;

/** The CLI as a user who is not the data directory's owner: `nobody` when we are root, else us. */
function runAsOtherUser(args: string[]): Promise<CliResult> {
  const command = asRoot
    ? ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, BIN, ...args]
    : [process.execPath, BIN, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** As root, `nobody` must be able to run the checkout at all (a clone under /root is not). */
function otherUserCanRunCli(t: TestContext): boolean {
  if (!asRoot) return true;
  const probe = spawnSync('setpriv', [
    `--reuid=${NOBODY}`,
    `--regid=${NOBODY}`,
    '--clear-groups',
    'test',
    '-r',
    BIN,
  ]);
  if (probe.status === 0) return true;
  t.skip(`user nobody cannot read ${BIN}: the permission cases need a checkout other users can read`);
  return false;
}

test('a config another user cannot read is reported with its owner, never set up again', async (t) => {
  if (!otherUserCanRunCli(t)) return;
  const dataDir = await initData(t);
  const configFile = join(dataDir, 'postyard.json');
  // The config's directory may not be entered (the start must not take it for a first run).
  chmodSync(dataDir, 0o700);
  if (!asRoot) chmodSync(dataDir, 0o000);
  const before = asRoot ? readdirSync(dataDir).sort() : [];
  const start = await runAsOtherUser(['start', '--data', dataDir]);
  assert.equal(start.code, 77, start.stderr + start.stdout);
  assert.match(
    start.stderr,
    new RegExp(
      `^postyard: start: cannot read ${configFile}: permission denied \\(owned by uid \\d+( \\(\\w+\\))?, mode 0[0-7]{3}\\): ` +
        '(run postyard as its owner \\(uid \\d+(, \\w+)?\\) or fix the permissions|fix the permissions)\\n$',
    ),
  );
  assert.doesNotMatch(start.stdout, /First run/);
  assert.equal(hasStackTrace(start.stderr), false);
  if (asRoot) assert.deepEqual(readdirSync(dataDir).sort(), before, 'nothing created');

  // The directory may be entered, but the file itself is 0600 and not ours.
  chmodSync(dataDir, 0o755);
  chmodSync(configFile, asRoot ? 0o600 : 0o000);
  const list = await runAsOtherUser(['user', 'list', '--data', dataDir]);
  assert.equal(list.code, 77, list.stderr);
  assert.match(
    list.stderr,
    new RegExp(`^postyard: user list: cannot read ${configFile}: permission denied \\(owned by uid \\d+`),
  );
  assert.match(list.stderr, /mode 0[0-7]00\): /);
});

test('a data directory this user cannot write: exit 77 and who owns it', async (t) => {
  if (!otherUserCanRunCli(t)) return;
  const dataDir = await initData(t);
  chmodSync(join(dataDir, 'postyard.json'), 0o644);
  chmodSync(dataDir, asRoot ? 0o755 : 0o555);
  const result = await runAsOtherUser(['user', 'list', '--data', dataDir]);
  assert.equal(result.code, 77, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `^postyard: user list: cannot write ${join(dataDir, 'postyard.sqlite')}: permission denied \\(owned by uid \\d+` +
        '( \\(\\w+\\))?, mode 0[0-7]{3}\\): (run postyard as its owner \\(uid \\d+(, \\w+)?\\) or fix the permissions|fix the permissions)\\n$',
    ),
  );
  assert.equal(hasStackTrace(result.stderr), false);
});

test('a JSON syntax error in the config names line and column', async (t) => {
  const dataDir = await initData(t);
  const configFile = join(dataDir, 'postyard.json');
  writeFileSync(configFile, '{\n  "hostname": "mail.test",\n  "localDomains": ["example.org"],\n}\n');
  for (const args of [['start'], ['doctor', '--skip-ports'], ['user', 'list']]) {
    const result = await runCli([...args, '--data', dataDir]);
    assert.ok(result.code === 78 || result.code === 1, `${args.join(' ')}: ${result.code} ${result.stderr}`);
    const text = result.stdout + result.stderr;
    assert.ok(
      text.includes(
        `config: ${configFile} is not valid JSON: line 4, column 1: a ',' before '}' (trailing commas are not allowed in JSON)`,
      ),
      text,
    );
  }
  assert.ok(existsSync(configFile));
});

test('the certificate is readable by other users, everything private is not; postyard cert says so', async (t) => {
  if (!otherUserCanRunCli(t)) return;
  const dataDir = await initData(t);
  const other = (args: string[]) =>
    spawnSync(
      asRoot ? 'setpriv' : args[0]!,
      asRoot ? [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', ...args] : args.slice(1),
    );
  const deliver = await runCli(['user', 'add', 'kim@example.com', '--password-stdin', '--data', dataDir], {
    input: 'pw\n',
  });
  assert.equal(deliver.code, 0, deliver.stderr);
  await runCli(['deliver', '--to', 'kim@example.com', '--data', dataDir], {
    input: 'Subject: private\r\n\r\nbody\r\n',
  });
  assert.equal(other(['cat', join(dataDir, 'tls', 'cert.pem')]).status, 0, 'the certificate is public');
  if (asRoot) {
    for (const secret of ['tls/key.pem', 'postyard.json', 'postyard.sqlite', 'postyard.sqlite-wal', 'blobs'])
      assert.notEqual(other(['cat', join(dataDir, secret)]).status, 0, `${secret} is private`);
    assert.notEqual(other(['ls', dataDir]).status, 0, 'the data directory cannot be listed');
    assert.notEqual(other(['ls', join(dataDir, 'blobs')]).status, 0, 'nor the blobs');
  }

  const shown = await runCli(['cert', '--data', dataDir]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`^certificate: ${join(dataDir, 'tls', 'cert.pem')}\\n`));
  assert.match(shown.stdout, /\n {2}subject: +CN=mail\.test\n/);
  assert.match(shown.stdout, /\n {2}issuer: +itself \(self-signed\)\n/);
  assert.match(shown.stdout, /\n {2}names: +mail\.test, localhost, 127\.0\.0\.1, ::1\n/);
  assert.match(shown.stdout, /\n {2}valid: +until \d{4}-\d\d-\d\d \(\d+ days left\)\n/);
  assert.match(shown.stdout, /\n {2}SHA-256: +([0-9A-F]{2}:){31}[0-9A-F]{2}\n/);
  assert.match(shown.stdout, /\n {2}readable: +by every user \(the key stays owner-only\)\n/);
  // The fingerprint is the one openssl computes for the same file.
  const openssl = spawnSync('openssl', [
    'x509',
    '-noout',
    '-fingerprint',
    '-sha256',
    '-in',
    join(dataDir, 'tls', 'cert.pem'),
  ]);
  if (openssl.status === 0) {
    const fingerprint = /=([0-9A-F:]+)/.exec(openssl.stdout.toString())![1]!;
    assert.ok(shown.stdout.includes(`SHA-256:   ${fingerprint}`), shown.stdout);
  }

  chmodSync(dataDir, 0o700);
  const hidden = await runCli(['cert', '--data', dataDir]);
  assert.match(
    hidden.stdout,
    new RegExp(`readable: +by its owner only; for other users: chmod o\\+x ${dataDir}\\n`),
  );
});
