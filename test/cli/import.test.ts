import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { BIN, initData, ROOT, runCli } from './helpers.js';

const GENERATOR = join(ROOT, 'test', 'cli', 'fixtures', 'gen-sample-mbox.py');

async function withStore<T>(dataDir: string, work: (store: Store) => Promise<T>): Promise<T> {
  const store = await openSqliteStore({ dataDir });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function addBob(dataDir: string): Promise<void> {
  const add = await runCli(['user', 'add', 'bob@example.com', '--password-stdin', '--data', dataDir], {
    input: 'pw\n',
  });
  assert.equal(add.code, 0, add.stderr);
}

test('import of a generated mbox: every message, From_ dates as INTERNALDATE, >From unquoted', async (t) => {
  const dataDir = await initData(t);
  await addBob(dataDir);
  const mbox = join(dataDir, '..', 'sample.mbox');
  execFileSync('python3', [GENERATOR, mbox, '50', '7'], { stdio: 'ignore' });

  const result = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^imported 50 messages \(.+\) from mbox .* into bob@example\.com INBOX in .*; 0 already there, 0 failed$/m,
  );
  // The same import again adds nothing: every message is recognised by its bytes.
  const again = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^imported 0 messages .*; 50 already there, 0 failed$/m);

  const list = await runCli(['mailbox', 'list', 'bob@example.com', '--data', dataDir]);
  assert.match(list.stdout, /INBOX\s+-\s+50\s+50\s/);

  const text = readFileSync(mbox, 'latin1');
  const firstFromLine = /^From \S+ (.+)$/m.exec(text)![1]!;
  await withStore(dataDir, async (store) => {
    const account = (await store.getAccount('bob@example.com'))!;
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    const index = await store.getIndex(inbox.id);
    assert.equal(index.uids.length, 50);
    const messages = await store.getMessages(inbox.id, [...index.uids]);
    assert.equal(messages[0]!.internalDate.toISOString(), new Date(`${firstFromLine} UTC`).toISOString());
    // The generator's dates increase message by message: UIDs must follow the file's order.
    for (let i = 1; i < messages.length; i++) {
      assert.ok(messages[i]!.internalDate >= messages[i - 1]!.internalDate, `UID order at ${i}`);
    }
    const bodies = await Promise.all(messages.map((m) => store.blobs.read(m.blobId)));
    const all = Buffer.concat(bodies).toString('latin1');
    assert.ok(!all.includes('\r\nFrom sender@example.com '), 'no From_ line inside a message');
    if (text.includes('\n>From the desk')) {
      assert.ok(all.includes('\r\nFrom the desk'), 'mboxrd quoting removed');
      assert.ok(!all.includes('\r\n>From the desk'), 'no quoted line left');
    }
    assert.ok(
      bodies.every((b) => !/(?<!\r)\n/.test(b.toString('latin1'))),
      'stored with CRLF line endings',
    );
  });
});

test('import of a Maildir keeps flags, keywords and mtime as INTERNALDATE', async (t) => {
  const dataDir = await initData(t);
  await addBob(dataDir);
  const maildir = join(dataDir, '..', 'Maildir');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  writeFileSync(join(maildir, 'dovecot-keywords'), '0 $Important\n1 Work\n');
  const files: Array<[string, number, string[]]> = [
    ['cur/1700000001.M1P1.host:2,S', 1_700_000_001, ['\\Seen']],
    [
      'cur/1700000002.M2P1.host,S=120:2,FRSa',
      1_700_000_002,
      ['\\Answered', '\\Flagged', '\\Seen', '$Important'],
    ],
    ['cur/1700000003.M3P1.host:2,DTb', 1_700_000_003, ['\\Deleted', '\\Draft', 'Work']],
    ['new/1700000004.M4P1.host', 1_700_000_004, []],
  ];
  for (const [name, mtime, _flags] of files) {
    const path = join(maildir, name);
    writeFileSync(path, `From: a@example.org\nSubject: ${name}\n\nbody of ${name}\n`);
    utimesSync(path, mtime, mtime);
  }

  const result = await runCli(['import', 'bob@example.com', 'Archive/old', maildir, '--data', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(
    result.stdout,
    /^imported 4 messages .* from Maildir .* into bob@example\.com Archive\/old .*; 0 already there, 0 failed$/m,
  );
  assert.match(result.stderr, /created mailbox Archive\/old/);

  await withStore(dataDir, async (store) => {
    const account = (await store.getAccount('bob@example.com'))!;
    const mailbox = (await store.getMailbox(account.id, 'Archive/old'))!;
    const index = await store.getIndex(mailbox.id);
    const messages = await store.getMessages(mailbox.id, [...index.uids]);
    assert.equal(messages.length, 4);
    messages.forEach((message, i) => {
      const [name, mtime, flags] = files[i]!;
      assert.deepEqual([...message.flags].sort(), [...flags].sort(), name);
      assert.equal(message.internalDate.getTime(), mtime * 1000, name);
    });
  });
});

test('import skips messages over the size limit and says so', async (t) => {
  const dataDir = await initData(t);
  await addBob(dataDir);
  const configFile = join(dataDir, 'postyard.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.limits.maxMessageSize = 2048;
  writeFileSync(configFile, JSON.stringify(config));
  const mbox = join(dataDir, '..', 'mixed.mbox');
  const small = (n: number) => `From a@b Mon Jan  1 00:00:00 2024\nSubject: small ${n}\n\nhi\n\n`;
  const big = `From a@b Mon Jan  1 00:00:00 2024\nSubject: big\n\n${`${'y'.repeat(70)}\n`.repeat(60)}`;
  writeFileSync(mbox, `${small(1)}${big}\n${small(2)}${small(1)}`);

  const result = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(result.code, 65, result.stderr);
  assert.match(result.stderr, /message 2 not imported: Message exceeds/);
  assert.match(
    result.stdout,
    /imported 2 messages .*; 1 already there, 1 failed$/m,
    'the identical copy once',
  );
});

test('import stops when the account goes over quota and says how far it got', async (t) => {
  const dataDir = await initData(t);
  await addBob(dataDir);
  const quota = await runCli([
    'quota',
    'set',
    'bob@example.com',
    'unlimited',
    '--messages',
    '2',
    '--data',
    dataDir,
  ]);
  assert.equal(quota.code, 0, quota.stderr);
  const mbox = join(dataDir, '..', 'three.mbox');
  const message = (n: number) => `From a@b Mon Jan  1 00:00:0${n} 2024\nSubject: ${n}\n\nbody ${n}\n\n`;
  writeFileSync(mbox, message(1) + message(2) + message(3));

  const result = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(result.code, 73, result.stderr);
  assert.match(result.stdout, /imported 2 messages .*; 0 already there, 0 failed/);
  assert.match(
    result.stderr,
    /^postyard: import: stopped after 2 messages: .*; run the same command again to import the rest \(what is there is skipped\)$/m,
  );
  // More room, the same command: only the third message is added.
  await runCli([
    'quota',
    'set',
    'bob@example.com',
    'unlimited',
    '--messages',
    'unlimited',
    '--data',
    dataDir,
  ]);
  const resumed = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, /imported 1 messages .*; 2 already there, 0 failed/);
  const list = await runCli(['mailbox', 'list', 'bob@example.com', '--data', dataDir]);
  assert.match(list.stdout, /INBOX\s+-\s+3\s/);
});

test('import errors: missing account, missing path, not an mbox', async (t) => {
  const dataDir = await initData(t);
  await addBob(dataDir);
  const noUser = await runCli(['import', 'nobody@example.com', 'INBOX', '/nonexistent', '--data', dataDir]);
  assert.equal(noUser.code, 67, noUser.stderr);
  const noPath = await runCli([
    'import',
    'bob@example.com',
    'INBOX',
    join(dataDir, 'nope.mbox'),
    '--data',
    dataDir,
  ]);
  assert.equal(noPath.code, 66, noPath.stderr);
  assert.match(noPath.stderr, /^postyard: import: .*nope\.mbox does not exist$/m);
  const notMbox = join(dataDir, '..', 'plain.txt');
  writeFileSync(notMbox, 'Subject: hi\n\nnot an mbox\n');
  const bad = await runCli(['import', 'bob@example.com', 'INBOX', notMbox, '--data', dataDir]);
  assert.equal(bad.code, 65, bad.stderr);
  assert.match(bad.stderr, /not an mbox file/);
});

test("import warns when the account's retention will expunge what goes into INBOX", async (t) => {
  const dataDir = await initData(t);
  const add = await runCli(
    ['user', 'add', 'ret@example.com', '--password-stdin', '--retention', '14d', '--data', dataDir],
    {
      input: 'pw\n',
    },
  );
  assert.equal(add.code, 0, add.stderr);
  const mbox = join(dataDir, '..', 'old.mbox');
  writeFileSync(mbox, 'From a@b Mon Jan  1 00:00:00 2001\nSubject: old\n\nfrom 2001\n\n');
  const inbox = await runCli(['import', 'ret@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(inbox.code, 0, inbox.stderr);
  assert.match(
    inbox.stderr,
    /warning: ret@example\.com has a retention of 14 days: mail imported into INBOX now is expunged on \d{4}-\d\d-\d\d; import into another folder/,
  );
  const archive = await runCli(['import', 'ret@example.com', 'Archive', mbox, '--data', dataDir]);
  assert.equal(archive.code, 0, archive.stderr);
  assert.doesNotMatch(archive.stderr, /retention/);
});

test('Ctrl-C stops an import after the batch in hand; the same command then completes it without duplicates', async (t) => {
  const dataDir = await initData(t);
  await addBob(dataDir);
  const mbox = join(dataDir, '..', 'big.mbox');
  execFileSync('python3', [GENERATOR, mbox, '400', '11'], { stdio: 'ignore' });
  const child = spawn(
    process.execPath,
    [BIN, 'import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = once(child, 'exit');
  // Interrupt once the first batch is committed (what a person pressing Ctrl-C midway would see).
  while ((await inboxCount(dataDir)) === 0 && child.exitCode === null)
    await new Promise((r) => setImmediate(r));
  child.kill('SIGINT');
  const [code] = await exited;
  if (code === 0) t.diagnostic('the import finished before the interrupt arrived');
  else {
    assert.equal(code, 130, stderr);
    assert.match(stderr, /stopped after \d+ messages: interrupted \(Ctrl-C\); run the same command again/);
    assert.match(stdout, /^imported \d+ messages .*; 0 already there, 0 failed$/m);
  }
  const done = Number(/^imported (\d+)/m.exec(stdout)?.[1] ?? 400);
  const resumed = await runCli(['import', 'bob@example.com', 'INBOX', mbox, '--data', dataDir]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(
    resumed.stdout,
    new RegExp(`^imported ${400 - done} messages .*; ${done} already there, 0 failed$`, 'm'),
  );
  assert.equal(await inboxCount(dataDir), 400);
});

async function inboxCount(dataDir: string): Promise<number> {
  return withStore(dataDir, async (store) => {
    const account = (await store.getAccount('bob@example.com'))!;
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    return (await store.getIndex(inbox.id)).uids.length;
  });
}
