import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { initData, runCli } from './helpers.js';

test('user add / list / passwd / del', async (t) => {
  const data = await initData(t);
  const d = ['--data', data];

  const add = await runCli(['user', 'add', 'Bob@Example.com', '--password-stdin', '--quota', '500M', ...d], {
    input: 'secret\n',
  });
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /created bob@example\.com \(quota 500 MiB/);

  const duplicate = await runCli(['user', 'add', 'bob@example.com', '--password-stdin', ...d], {
    input: 'x\n',
  });
  assert.equal(duplicate.code, 73, duplicate.stderr);
  assert.equal(duplicate.stderr, 'postyard: user add: account bob@example.com already exists\n');

  const noPassword = await runCli(['user', 'add', 'carol@example.com', ...d]);
  assert.equal(noPassword.code, 64, noPassword.stderr);
  assert.match(noPassword.stderr, /--password-stdin/);

  const emptyPassword = await runCli(['user', 'add', 'carol@example.com', '--password-stdin', ...d], {
    input: '\n',
  });
  assert.equal(emptyPassword.code, 65, emptyPassword.stderr);

  const badLogin = await runCli(['user', 'add', 'not an address', '--password-stdin', ...d], {
    input: 'x\n',
  });
  assert.equal(badLogin.code, 64, badLogin.stderr);

  const alice = await runCli(
    ['user', 'add', 'alice@example.com', '--password-stdin', '--retention', '4w', ...d],
    {
      input: 'pw\n',
    },
  );
  assert.equal(alice.code, 0, alice.stderr);

  const list = await runCli(['user', 'list', ...d]);
  assert.equal(list.code, 0, list.stderr);
  const lines = list.stdout.trim().split('\n');
  assert.match(lines[0]!, /^LOGIN\s+USED\s+QUOTA/);
  assert.match(list.stdout, /alice@example\.com\s+0 B\s+unlimited\s+0\s+unlimited\s+28 days/);
  assert.match(list.stdout, /bob@example\.com\s+0 B\s+500 MiB\s+0\s+unlimited\s+forever/);

  const passwd = await runCli(['user', 'passwd', 'bob@example.com', '--password-stdin', ...d], {
    input: 'new\n',
  });
  assert.equal(passwd.code, 0, passwd.stderr);
  assert.match(passwd.stdout, /password changed for bob@example\.com/);
  const passwdMissing = await runCli(['user', 'passwd', 'nobody@example.com', '--password-stdin', ...d], {
    input: 'x\n',
  });
  assert.equal(passwdMissing.code, 67, passwdMissing.stderr);
  assert.equal(passwdMissing.stderr, 'postyard: user passwd: no account nobody@example.com\n');

  const del = await runCli(['user', 'del', 'bob@example.com', ...d]);
  assert.equal(del.code, 0, del.stderr);
  const delAgain = await runCli(['user', 'del', 'bob@example.com', ...d]);
  assert.equal(delAgain.code, 67, delAgain.stderr);
  const after = await runCli(['user', 'list', ...d]);
  assert.doesNotMatch(after.stdout, /bob@example\.com/);
  assert.match(after.stdout, /alice@example\.com/);
});

test('user add warns when the domain is outside localDomains', async (t) => {
  const data = await initData(t);
  const configFile = join(data, 'postyard.json');
  const config = JSON.parse(readFileSync(configFile, 'utf8'));
  config.localDomains = ['example.org'];
  writeFileSync(configFile, JSON.stringify(config));
  const add = await runCli(['user', 'add', 'bob@example.com', '--password-stdin', '--data', data], {
    input: 'pw\n',
  });
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stderr, /warning: example\.com is not in localDomains \(example\.org\)/);
  const local = await runCli(['user', 'add', 'amy@example.org', '--password-stdin', '--data', data], {
    input: 'pw\n',
  });
  assert.equal(local.stderr, '');
});

test('quota set / show', async (t) => {
  const data = await initData(t);
  const d = ['--data', data];
  await runCli(['user', 'add', 'bob@example.com', '--password-stdin', ...d], { input: 'secret\n' });

  const set = await runCli(['quota', 'set', 'bob@example.com', '2G', '--messages', '1000', ...d]);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, 'quota for bob@example.com: 2 GiB, 1000 messages\n');

  const show = await runCli(['quota', 'show', 'bob@example.com', ...d]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /storage: {2}0 \/ 2147483648 bytes \(0\.0%\)/);
  assert.match(show.stdout, /messages: 0 \/ 1000 messages \(0\.0%\)/);

  const unlimited = await runCli([
    'quota',
    'set',
    'bob@example.com',
    'unlimited',
    '--messages',
    'unlimited',
    ...d,
  ]);
  assert.equal(unlimited.code, 0, unlimited.stderr);
  const shown = await runCli(['quota', 'show', 'bob@example.com', ...d]);
  assert.match(shown.stdout, /storage: {2}0 \/ unlimited bytes/);
  assert.match(shown.stdout, /messages: 0 \/ unlimited messages/);

  const bad = await runCli(['quota', 'set', 'bob@example.com', '5X', ...d]);
  assert.equal(bad.code, 64, bad.stderr);
  assert.match(bad.stderr, /^postyard: quota set: invalid size '5X'/);
  const missing = await runCli(['quota', 'show', 'nobody@example.com', ...d]);
  assert.equal(missing.code, 67, missing.stderr);
});

test('mailbox list / create', async (t) => {
  const data = await initData(t);
  const d = ['--data', data];
  await runCli(['user', 'add', 'bob@example.com', '--password-stdin', ...d], { input: 'secret\n' });

  const create = await runCli(['mailbox', 'create', 'bob@example.com', 'Lists/dev', ...d]);
  assert.equal(create.code, 0, create.stderr);
  const special = await runCli([
    'mailbox',
    'create',
    'bob@example.com',
    'All Mail',
    '--special-use',
    'All',
    ...d,
  ]);
  assert.equal(special.code, 0, special.stderr);
  const exists = await runCli(['mailbox', 'create', 'bob@example.com', 'INBOX', ...d]);
  assert.equal(exists.code, 73, exists.stderr);
  assert.equal(exists.stderr, 'postyard: mailbox create: mailbox INBOX already exists for bob@example.com\n');

  const badName = await runCli(['mailbox', 'create', 'bob@example.com', 'a//b', ...d]);
  assert.equal(badName.code, 64, badName.stderr);
  assert.match(
    badName.stderr,
    /^postyard: mailbox create: 'a\/\/b': Mailbox name has an empty hierarchy level$/m,
  );

  const list = await runCli(['mailbox', 'list', 'bob@example.com', ...d]);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^NAME\s+SPECIAL-USE\s+MESSAGES\s+UNSEEN\s+SIZE\nINBOX /);
  for (const row of [
    /INBOX\s+-\s+0\s+0\s+0 B/,
    /Sent\s+\\Sent\s+0/,
    /Lists\s+-/,
    /Lists\/dev\s+-/,
    /All Mail\s+\\All/,
  ]) {
    assert.match(list.stdout, row);
  }
});
