/**
 * Cluster workers share one SQLite file (src/server/cluster/README.md): a worker's commit that finds the
 * write lock held by another process neither fails nor blocks its event loop; the group committer
 * retries from the event loop and commits once the lock is free, with jobs that arrived meanwhile.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { DATABASE_FILE } from '../../src/store/sqlite/database.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { waitUntil } from '../helpers/wait.js';

test('a worker waits for another process’s write lock from its event loop, then commits', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-busy-'));
  const store = await openSqliteStore({ dataDir, clusterWorker: true });
  const other = new Database(join(dataDir, DATABASE_FILE));
  try {
    other.prepare('BEGIN IMMEDIATE').run();
    let done = 0;
    const first = store.createAccount('a@example.org', 'h').then((a) => {
      done++;
      return a;
    });
    // Retries happen while this test's own event loop keeps turning: nothing sleeps inside SQLite.
    await waitUntil(() => store.commitStats().busyRetries >= 3, 'the committer to retry the batch');
    const second = store.createAccount('b@example.org', 'h').then((a) => {
      done++;
      return a;
    });
    await waitUntil(() => store.commitStats().busyRetries >= 5, 'more retries');
    assert.equal(done, 0, 'nothing acknowledged while the lock is held elsewhere');
    other.prepare('COMMIT').run();
    const [a, b] = await Promise.all([first, second]);
    assert.ok(a.id > 0 && b.id > a.id);
    assert.equal(store.commitStats().commits, 1, 'the job that arrived meanwhile joined the batch');
    assert.ok(await store.getAccount('b@example.org'));
  } finally {
    other.close();
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
