/** `postyard user add` and `user passwd` store SCRAM-SHA-256 keys derived from the new password. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { deriveScramKeys, parseScramKeys } from '../../src/server/auth/scram.js';
import { DATABASE_FILE } from '../../src/store/sqlite/database.js';
import { initData, runCli } from './helpers.js';

async function keysMatch(dataDir: string, login: string, password: string): Promise<boolean> {
  const db = new Database(join(dataDir, DATABASE_FILE), { readonly: true });
  try {
    const row = db.prepare('SELECT scram_sha256 FROM accounts WHERE login = ?').get(login) as
      | { scram_sha256: string | null }
      | undefined;
    const keys = parseScramKeys(row?.scram_sha256);
    assert.ok(keys, `no SCRAM keys for ${login}`);
    const expected = await deriveScramKeys(password, keys.salt, keys.iterations);
    return expected.storedKey.equals(keys.storedKey) && expected.serverKey.equals(keys.serverKey);
  } finally {
    db.close();
  }
}

test('user add and user passwd derive SCRAM keys from the new password', async (t) => {
  const data = await initData(t);
  const add = await runCli(['user', 'add', 'kim@example.com', '--password-stdin', '--data', data], {
    input: 'first-password\n',
  });
  assert.equal(add.code, 0, add.stderr);
  assert.equal(await keysMatch(data, 'kim@example.com', 'first-password'), true);
  const passwd = await runCli(['user', 'passwd', 'kim@example.com', '--password-stdin', '--data', data], {
    input: 'second-password\n',
  });
  assert.equal(passwd.code, 0, passwd.stderr);
  assert.equal(await keysMatch(data, 'kim@example.com', 'first-password'), false);
  assert.equal(await keysMatch(data, 'kim@example.com', 'second-password'), true);
});
