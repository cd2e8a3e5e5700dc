import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { DATABASE_FILE, openDatabase } from './database.js';
import { SCHEMA_VERSION } from './schema.js';

describe('sqlite schema', () => {
  it('migrates a new file to the current user_version with durable pragmas, and refuses a newer one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      db.close();

      const again = openDatabase(dataDir);
      assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      again.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      again.close();
      assert.throws(() => openDatabase(dataDir), /newer/);
      assert.ok(new Database(join(dataDir, DATABASE_FILE)).close());
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
