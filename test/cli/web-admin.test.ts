/**
 * The CLI side of the web pages: `user add --admin`, API tokens (created, listed, used against a
 * running server, revoked) and `doctor dns DOMAIN`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startConfiguredServer } from '../../src/cli/runtime.js';
import { loadConfig } from '../../src/config/config.js';
import { initData, runCli, tempRoot } from './helpers.js';

test('an admin made by `user add --admin` reads the admin API with a token from `token create` until it is revoked', async (t) => {
  const dataDir = await initData(t);
  const add = await runCli(
    ['user', 'add', 'boss@example.com', '--admin', '--password-stdin', '--data', dataDir],
    {
      input: 'boss-password-1\n',
    },
  );
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /created admin boss@example\.com/);
  const user = await runCli(['user', 'add', 'user@example.com', '--password-stdin', '--data', dataDir], {
    input: 'user-password-1\n',
  });
  assert.equal(user.code, 0, user.stderr);

  const created = await runCli([
    'token',
    'create',
    'boss@example.com',
    '--name',
    'monitoring',
    '--data',
    dataDir,
  ]);
  assert.equal(created.code, 0, created.stderr);
  const token = created.stdout.trim();
  assert.match(token, /^pyt_[\w-]{43}$/);
  assert.match(created.stderr, /not shown again/);
  const userToken = (await runCli(['token', 'create', 'user@example.com', '--data', dataDir])).stdout.trim();

  const list = await runCli(['token', 'list', '--data', dataDir]);
  assert.match(list.stdout, /1\s+boss@example\.com\s+monitoring/);
  assert.doesNotMatch(list.stdout, /pyt_/, 'tokens are never shown again');

  const server = await startConfiguredServer(await loadConfig(dataDir));
  t.after(() => server.close({ graceMs: 1_000 }));
  const api = (bearer: string) =>
    fetch(`http://127.0.0.1:${server.ports.http}/api/admin/accounts`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
  const ok = await api(token);
  assert.equal(ok.status, 200);
  const body = (await ok.json()) as { accounts: Array<{ email: string; admin: boolean }> };
  assert.deepEqual(
    body.accounts.map((a) => [a.email, a.admin]),
    [
      ['boss@example.com', true],
      ['user@example.com', false],
    ],
  );
  assert.equal((await api(userToken)).status, 403, "a user's token is not an admin's");

  const revoke = await runCli(['token', 'revoke', '1', '--data', dataDir]);
  assert.equal(revoke.code, 0, revoke.stderr);
  assert.equal((await api(token)).status, 401);
  assert.equal((await runCli(['token', 'revoke', '1', '--data', dataDir])).code, 65);
  assert.equal((await runCli(['token', 'create', 'ghost@example.com', '--data', dataDir])).code, 67);
});

test('`doctor dns DOMAIN` prints the SRV records and the autoconfig names for the configured ports', async (t) => {
  const { dataDir } = tempRoot(t);
  const ports = [
    'imaps=993',
    'imap=off',
    'pop3s=995',
    'pop3=110',
    'submissions=465',
    'submission=587',
    'https=443',
  ];
  const init = await runCli([
    'init',
    '--data',
    dataDir,
    '--hostname',
    'mail.example.com',
    ...ports.flatMap((p) => ['--port', p]),
  ]);
  assert.equal(init.code, 0, init.stderr);
  const result = await runCli(['doctor', 'dns', 'Example.com', '--data', dataDir]);
  assert.equal(result.code, 0, result.stderr);
  const records = result.stdout
    .split('\n')
    .filter((l) => l && !l.startsWith(';'))
    .map((l) => l.split(';')[0]!.trim().split(/\s+/).join(' '));
  assert.deepEqual(records, [
    '_imaps._tcp.example.com. 3600 IN SRV 0 1 993 mail.example.com.',
    '_imap._tcp.example.com. 3600 IN SRV 0 0 0 .',
    '_pop3s._tcp.example.com. 3600 IN SRV 0 1 995 mail.example.com.',
    '_pop3._tcp.example.com. 3600 IN SRV 10 1 110 mail.example.com.',
    '_submissions._tcp.example.com. 3600 IN SRV 0 1 465 mail.example.com.',
    '_submission._tcp.example.com. 3600 IN SRV 10 1 587 mail.example.com.',
    'autoconfig.example.com. 3600 IN CNAME mail.example.com.',
    'autodiscover.example.com. 3600 IN CNAME mail.example.com.',
    '_autodiscover._tcp.example.com. 3600 IN SRV 0 1 443 mail.example.com.',
  ]);
  assert.match(result.stdout, /; note: listeners\.https binds 127\.0\.0\.1/);
  assert.doesNotMatch(result.stdout, /port 443; Postyard's https listener/, 'https is on 443: no port note');
  assert.equal((await runCli(['doctor', 'dns', 'not a domain', '--data', dataDir])).code, 64);
});
