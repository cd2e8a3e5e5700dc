/**
 * `postyard sync` as a person runs it (the compiled CLI as a child process) against a Postyard server:
 * add / run / status / del, exit codes, the password kept out of argv, output and the state file,
 * and `sync watch` picking up new mail through IMAP IDLE.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, hasStackTrace, ROOT, runCli, tempRoot } from '../cli/helpers.js';
import { type MailServer, otherDevice, sampleMessage, startPostyard } from './servers.js';

const PASSWORD = 'secret';
let server: MailServer;
let login: { user: string; password: string };

before(async () => {
  server = await startPostyard();
  login = await server.newUser();
  const imap = await otherDevice(server, login.user, login.password);
  for (let n = 1; n <= 3; n++) await imap.append('INBOX', sampleMessage(n, 'cli'));
  await imap.logout();
});
after(() => server.close());

function addArgs(
  name: string,
  protocol: 'imap' | 'pop3',
  maildir: string,
  state: string,
  extra: string[] = [],
) {
  const port = protocol === 'imap' ? server.imapPort : server.pop3Port;
  return [
    'sync',
    'add',
    name,
    `--${protocol}`,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--user',
    login.user,
    '--plain',
    '--maildir',
    maildir,
    '--state',
    state,
    ...extra,
  ];
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath ?? (entry as { path: string }).path, entry.name));
  }
  return out;
}

test('sync add, run, status, del: POP3 with --leave-days; the password only in its 0600 file', async (t) => {
  const { root } = tempRoot(t);
  const state = join(root, 'state');
  const maildir = join(root, 'Maildir');
  const add = await runCli(
    [...addArgs('home', 'pop3', maildir, state, ['--leave-days', '14', '--password-stdin'])],
    {
      input: `${PASSWORD}\n`,
    },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^added home: POP3 .* → .*Maildir; run: postyard sync run home$/m);

  const run = await runCli(['sync', 'run', '--state', state]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /^home: POP3 3 downloaded \(0\.0 MiB\), 0 deleted on the server \(leave on server 14 days\), 3 left there in \d+\.\d+ s$/m,
  );
  assert.equal((await readdir(join(maildir, 'new'))).length, 3);

  const table = await runCli(['sync', 'status', '--state', state]);
  assert.match(table.stdout, /^NAME\s+PROTO\s+SERVER\s+MESSAGES\s+PENDING\s+LAST RUN\s+RESULT$/m);
  assert.match(table.stdout, /^home\s+POP3\s+\S+\s+3\s+0\s+\d{4}-\d\d-\d\dT\S+\s+home: POP3 3 downloaded/m);
  const details = await runCli(['sync', 'status', 'home', '--state', state]);
  assert.match(details.stdout, /^policy: +leave on server 14 days$/m);
  assert.match(details.stdout, /^EXPIRE: +/m);

  // The password is in exactly one file, private, and nowhere in output or in the state database.
  const mode = (await stat(join(state, 'passwords', 'home'))).mode & 0o777;
  assert.equal(mode, 0o600);
  assert.equal((await stat(state)).mode & 0o777, 0o700);
  for (const file of await filesUnder(state)) {
    if (file.endsWith(join('passwords', 'home'))) continue;
    assert.ok(!(await readFile(file)).includes(PASSWORD), `password found in ${file}`);
  }
  for (const output of [add, run, table, details])
    assert.ok(!`${output.stdout}${output.stderr}`.includes(PASSWORD));

  const del = await runCli(['sync', 'del', 'home', '--state', state]);
  assert.equal(del.code, 0, del.stderr);
  assert.equal((await readdir(join(state, 'passwords'))).length, 0);
  assert.equal((await readdir(join(maildir, 'new'))).length, 3, 'the Maildir is kept');
});

test('exit codes: login refused 77, server unreachable 75 with local changes kept, unknown account 67, usage 64', async (t) => {
  const { root } = tempRoot(t);
  const state = join(root, 'state');
  const maildir = join(root, 'Mail');
  const refused = await runCli([...addArgs('bad', 'imap', maildir, state, ['--password-stdin'])], {
    input: 'wrong\n',
  });
  assert.equal(refused.code, 77, refused.stderr);
  assert.match(refused.stderr, /^postyard: sync add: cannot add bad: login as \S+ refused/);
  assert.ok(!hasStackTrace(refused.stderr));

  const env = { SYNC_TEST_PASSWORD: PASSWORD };
  const add = await runCli(
    [...addArgs('mail', 'imap', maildir, state, ['--password-env', 'SYNC_TEST_PASSWORD'])],
    { env },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.equal((await readdir(state)).includes('passwords'), false, 'nothing stored with --password-env');
  const first = await runCli(['sync', 'run', 'mail', '--state', state], { env });
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^mail: IMAP \d+ folders, 3 downloaded/m);

  const noVariable = await runCli(['sync', 'run', 'mail', '--state', state], {
    env: { SYNC_TEST_PASSWORD: '' },
  });
  assert.equal(noVariable.code, 78, noVariable.stderr);
  assert.match(noVariable.stderr, /the password variable SYNC_TEST_PASSWORD is not set/);

  await server.close(); // the server goes away: offline from here on
  try {
    const draft = join(maildir, '.Drafts', 'cur', 'draft-1:2,D');
    await import('node:fs/promises').then((fs) => fs.writeFile(draft, sampleMessage(9, 'draft')));
    const offline = await runCli(['sync', 'run', 'mail', '--state', state], { env });
    assert.equal(offline.code, 75, offline.stderr);
    assert.match(offline.stderr, /^postyard: sync run: mail: cannot connect to 127\.0\.0\.1:\d+/m);
    const status = await runCli(['sync', 'status', 'mail', '--state', state]);
    assert.match(status.stdout, /^pending: +1 local changes not on the server yet$/m);
    assert.match(status.stdout, /^ {2}append Drafts: draft-1 \(\\Draft\)$/m);
  } finally {
    server = await startPostyard();
    login = await server.newUser();
  }

  assert.equal((await runCli(['sync', 'run', 'nosuch', '--state', state])).code, 67);
  const usage = await runCli(['sync', 'add', 'x', '--imap', '--pop3', '--state', state]);
  assert.equal(usage.code, 64);
  assert.match(usage.stderr, /choose one of --imap or --pop3/);
  assert.equal(
    (
      await runCli([
        'sync',
        'add',
        'x',
        '--imap',
        '--host',
        'h',
        '--user',
        'u',
        '--maildir',
        maildir,
        '--keep',
        '--state',
        state,
      ])
    ).code,
    64,
  );
});

test('sync watch: new mail arrives through IDLE, the password is not in the process arguments', async (t) => {
  const { root } = tempRoot(t);
  const state = join(root, 'state');
  const maildir = join(root, 'Mail');
  const add = await runCli(
    [...addArgs('live', 'imap', maildir, state, ['--password-stdin', '--folders', 'INBOX'])],
    {
      input: `${PASSWORD}\n`,
    },
  );
  assert.equal(add.code, 0, add.stderr);
  const child = spawn(
    process.execPath,
    [BIN, 'sync', 'watch', 'live', '--interval', '1h', '--state', state],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  t.after(() => child.kill('SIGKILL'));
  const lines: string[] = [];
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const waiters: Array<() => void> = [];
  child.stdout.on('data', (d: Buffer) => {
    lines.push(...d.toString().split('\n').filter(Boolean));
    for (const wake of waiters.splice(0)) wake();
  });
  const lineCount = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`waiting for ${n} lines; got ${lines.join('\n')}\n${stderr}`)),
        30_000,
      );
      const check = () => {
        if (lines.length < n) return waiters.push(check);
        clearTimeout(timer);
        resolve();
      };
      check();
    });
  await lineCount(1);
  assert.match(lines[0]!, /live: IMAP 1 folders, 0 downloaded/);
  const cmdline = await readFile(`/proc/${child.pid}/cmdline`, 'utf8');
  assert.ok(!cmdline.includes(PASSWORD), 'password not in argv');

  const imap = await otherDevice(server, login.user, login.password);
  await imap.append('INBOX', sampleMessage(20, 'watch'));
  await imap.logout();
  await lineCount(2);
  assert.match(lines[1]!, /live: IMAP 1 folders, 1 downloaded/);
  assert.equal((await readdir(join(maildir, 'new'))).length, 1);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exited, 0, stderr);
  assert.ok(!`${lines.join('\n')}${stderr}`.includes(PASSWORD));
});
