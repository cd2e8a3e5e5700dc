import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { initData, runCli, runCliOnTerminal } from './helpers.js';

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

  const unconfirmed = await runCli(['user', 'del', 'bob@example.com', ...d]);
  assert.equal(unconfirmed.code, 64, 'not on a terminal: --yes is required');
  assert.equal(
    unconfirmed.stderr,
    'postyard: user del: this deletes bob@example.com and its 0 messages (0 B): add --yes to confirm (not on a terminal, so no question)\n',
  );
  const del = await runCli(['user', 'del', 'bob@example.com', '--yes', ...d]);
  assert.equal(del.code, 0, del.stderr);
  assert.equal(del.stdout, 'deleted bob@example.com and its 0 messages (0 B)\n');
  const delAgain = await runCli(['user', 'del', 'bob@example.com', '--yes', ...d]);
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

test('user set changes only what is given; user show tells every setting and where it comes from', async (t) => {
  const data = await initData(t);
  const d = ['--data', data];
  await runCli(['user', 'add', 'amy@example.com', '--password-stdin', '--quota', '1G', ...d], {
    input: 'pw\n',
  });
  const deliver = await runCli(['deliver', '--to', 'amy@example.com', ...d], {
    input: 'Subject: one\r\nDate: Wed, 02 Dec 2026 10:00:00 +0000\r\n\r\nHello.\r\n',
  });
  assert.equal(deliver.code, 0, deliver.stderr);

  const shown = await runCli(['user', 'show', 'amy@example.com', ...d]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^amy@example\.com\n {2}created: +\d{4}-\d\d-\d\d\n/);
  assert.match(shown.stdout, /\n {2}storage: +\d+ \/ 1073741824 bytes \(0\.0%\) — \d+ B of 1 GiB\n/);
  assert.match(shown.stdout, /\n {2}messages: +1 \/ unlimited messages\n/);
  assert.match(shown.stdout, /\n {2}retention: +forever\n/);
  assert.match(shown.stdout, /\n {2}POP3 delete: +expunge \(server default\)\n/);
  assert.match(shown.stdout, /\n {2}POP3 marks read: no \(server default\)\n/);
  assert.match(shown.stdout, /\n {2}admin: +no\n/);
  assert.match(shown.stdout, /\nMAILBOX +MESSAGES +UNSEEN +SIZE\nINBOX +1 +1 +\d+ B\n/);

  const set = await runCli([
    'user',
    'set',
    'amy@example.com',
    '--retention',
    '14d',
    '--pop-delete',
    'hide',
    '--pop-mark-seen',
    'on',
    ...d,
  ]);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /^updated amy@example\.com:\n {2}quota: +1 GiB\n/, 'the quota is kept');
  assert.match(set.stdout, /retention: +14 days \(INBOX mail that arrived longer ago is expunged\)/);
  assert.match(set.stdout, /POP3 delete: +hide\n/);
  assert.match(set.stdout, /POP3 marks read: yes\n/);

  const back = await runCli([
    'user',
    'set',
    'amy@example.com',
    '--pop-delete',
    'default',
    '--quota',
    'unlimited',
    ...d,
  ]);
  assert.equal(back.code, 0, back.stderr);
  assert.match(back.stdout, /quota: +unlimited\n/);
  assert.match(back.stdout, /POP3 delete: +expunge \(server default\)\n/);
  assert.match(back.stdout, /POP3 marks read: yes\n/, 'untouched');

  const admin = await runCli(['user', 'set', 'amy@example.com', '--admin', 'on', ...d]);
  assert.equal(admin.code, 0, admin.stderr);
  assert.match(admin.stdout, /admin: +yes \(admin pages and API\)\n/);
  const tokenOwner = await runCli(['token', 'create', 'amy@example.com', '--name', 'ops', ...d]);
  assert.match(tokenOwner.stderr, /for amy@example\.com \(admin\)/, 'the flag is what the admin API checks');
  const notAdmin = await runCli(['user', 'set', 'amy@example.com', '--admin', 'off', ...d]);
  assert.match(notAdmin.stdout, /admin: +no\n/);
  const badAdmin = await runCli(['user', 'set', 'amy@example.com', '--admin', 'maybe', ...d]);
  assert.equal(badAdmin.code, 64);
  assert.equal(badAdmin.stderr, "postyard: user set: invalid --admin 'maybe' (on or off)\n");

  const password = await runCli(['user', 'set', 'amy@example.com', '--password-stdin', ...d], {
    input: 'new pw\n',
  });
  assert.equal(password.code, 0, password.stderr);
  assert.equal(password.stdout, 'password changed for amy@example.com\n');

  const nothing = await runCli(['user', 'set', 'amy@example.com', ...d]);
  assert.equal(nothing.code, 64);
  assert.match(nothing.stderr, /^postyard: user set: nothing to change \(usage: postyard user set EMAIL/);
  const bad = await runCli(['user', 'set', 'amy@example.com', '--pop-mark-seen', 'maybe', ...d]);
  assert.equal(bad.code, 64);
  assert.equal(bad.stderr, "postyard: user set: invalid --pop-mark-seen 'maybe' (on, off or default)\n");
  const missing = await runCli(['user', 'show', 'nobody@example.com', ...d]);
  assert.equal(missing.code, 67);
});

test('user del on a terminal says how much mail goes and asks first', async (t) => {
  const data = await initData(t);
  const d = ['--data', data];
  await runCli(['user', 'add', 'zed@example.com', '--password-stdin', ...d], { input: 'pw\n' });
  await runCli(['deliver', '--to', 'zed@example.com', ...d], { input: 'Subject: x\r\n\r\nHi.\r\n' });

  const declined = await runCliOnTerminal(
    ['user', 'del', 'zed@example.com', ...d],
    [{ after: 'Type the address to confirm:', type: 'no' }],
  );
  assert.equal(declined.code, 0, declined.output);
  assert.match(
    declined.output,
    /Delete zed@example\.com and its 1 message \(\d+ B\)\? Type the address to confirm: /,
  );
  assert.match(declined.output, /nothing deleted/);
  assert.match((await runCli(['user', 'list', ...d])).stdout, /zed@example\.com/);

  const confirmed = await runCliOnTerminal(
    ['user', 'del', 'zed@example.com', ...d],
    [{ after: 'Type the address to confirm:', type: 'zed@example.com' }],
  );
  assert.equal(confirmed.code, 0, confirmed.output);
  assert.match(confirmed.output, /deleted zed@example\.com and its 1 message/);
  assert.doesNotMatch((await runCli(['user', 'list', ...d])).stdout, /zed@example\.com/);
});

test('group words take --help, and help setup explains the recommended setup', async () => {
  for (const group of ['user', 'quota', 'mailbox']) {
    for (const flag of ['--help', '-h']) {
      const help = await runCli([group, flag]);
      assert.equal(help.code, 0, `${group} ${flag}: ${help.stderr}`);
      assert.match(help.stdout, new RegExp(`^Usage:\\n {2}postyard ${group} `));
    }
  }
  const setup = await runCli(['help', 'setup']);
  assert.equal(setup.code, 0, setup.stderr);
  for (const needle of [
    'leave',
    '14-30 days',
    '--pop-delete hide',
    'markSeenOnRetr',
    '--retention 30d',
    'Quota',
  ])
    assert.ok(setup.stdout.includes(needle), needle);
  assert.match((await runCli(['--help'])).stdout, /postyard help setup/);
});
