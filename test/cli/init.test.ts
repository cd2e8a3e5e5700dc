import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hasStackTrace, initData, runCli, tempRoot } from './helpers.js';

test('init creates the data dir, a complete config and a valid self-signed certificate', async (t) => {
  const { dataDir } = tempRoot(t);
  const result = await runCli(['init', '--data', dataDir, '--hostname', 'mail.test', '--port', 'imap=11143']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /created .*postyard\.json/);
  assert.match(result.stdout, /Add a user: +node bin\/postyard\.js user add you@example\.com --data /);

  const config = JSON.parse(readFileSync(join(dataDir, 'postyard.json'), 'utf8'));
  assert.equal(config.hostname, 'mail.test');
  assert.equal(config.listeners.imap.port, 11143);
  assert.equal(config.listeners.pop3.port, 1110);
  const cert = new X509Certificate(readFileSync(join(dataDir, 'tls', 'cert.pem')));
  assert.ok(cert.checkHost('mail.test'));
  assert.ok(new Date(cert.validTo).getTime() > Date.now() + 365 * 86_400_000);
  assert.ok(existsSync(join(dataDir, 'tls', 'key.pem')));
});

test('init refuses to overwrite an existing config unless --force', async (t) => {
  const dataDir = await initData(t);
  const again = await runCli(['init', '--data', dataDir]);
  assert.equal(again.code, 73, again.stderr);
  assert.match(again.stderr, /^postyard: init: .*postyard\.json already exists \(use --force/);
  const forced = await runCli(['init', '--data', dataDir, '--force', '--hostname', 'other.test']);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(JSON.parse(readFileSync(join(dataDir, 'postyard.json'), 'utf8')).hostname, 'other.test');
});

test('init rejects a bad --port without leaving a config behind', async (t) => {
  const { dataDir } = tempRoot(t);
  const result = await runCli(['init', '--data', dataDir, '--port', 'gopher=70']);
  assert.equal(result.code, 64, result.stderr);
  assert.match(result.stderr, /invalid --port 'gopher=70'/);
  assert.equal(existsSync(join(dataDir, 'postyard.json')), false);
});

test('start with an unknown config key exits non-zero naming the key, without a stack trace', async (t) => {
  const dataDir = await initData(t);
  const file = join(dataDir, 'postyard.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.listeners.imap.prot = 1143;
  writeFileSync(file, JSON.stringify(config));
  const result = await runCli(['start', '--data', dataDir]);
  assert.equal(result.code, 78, result.stderr);
  assert.match(result.stderr, /^postyard: start: config: unknown key listeners\.imap\.prot/);
  assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.equal(hasStackTrace(result.stderr), false);

  const debug = await runCli(['start', '--data', dataDir], { env: { POSTYARD_DEBUG: '1' } });
  assert.equal(debug.code, 78, debug.stderr);
  assert.equal(hasStackTrace(debug.stderr), true, 'POSTYARD_DEBUG=1 shows the stack trace');
});

test('start with a bad value names the key and what is wrong', async (t) => {
  const dataDir = await initData(t);
  const file = join(dataDir, 'postyard.json');
  const config = JSON.parse(readFileSync(file, 'utf8'));
  config.limits.maxMessageSize = 'big';
  writeFileSync(file, JSON.stringify(config));
  const result = await runCli(['start', '--data', dataDir]);
  assert.equal(result.code, 78, result.stderr);
  assert.match(result.stderr, /limits\.maxMessageSize/);
  assert.equal(hasStackTrace(result.stderr), false);
});

test('--help, help COMMAND, --version and unknown commands', async () => {
  const help = await runCli(['--help']);
  assert.equal(help.code, 0, help.stderr);
  for (const name of [
    'start',
    'init',
    'user add',
    'quota set',
    'mailbox list',
    'import',
    'deliver',
    'doctor',
  ]) {
    assert.ok(help.stdout.includes(`  ${name} `), name);
  }
  const userAdd = await runCli(['help', 'user', 'add']);
  assert.equal(userAdd.code, 0, userAdd.stderr);
  assert.match(userAdd.stdout, /Usage: postyard user add EMAIL/);
  assert.match(userAdd.stdout, /--password-stdin/);
  const viaFlag = await runCli(['quota', 'set', '--help']);
  assert.match(viaFlag.stdout, /Usage: postyard quota set EMAIL SIZE/);
  const version = await runCli(['--version']);
  assert.match(version.stdout.trim(), /^\d+\.\d+\.\d+/);
  const unknown = await runCli(['frobnicate']);
  assert.equal(unknown.code, 64, unknown.stderr);
  assert.match(unknown.stderr, /^postyard: unknown command 'frobnicate'/);
});
