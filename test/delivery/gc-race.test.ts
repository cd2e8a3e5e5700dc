/**
 * Blob garbage collection against deduplicating deliveries in another process (issue 13): a child
 * process delivers the same bytes over and over (each delivery reuses the blob the previous one left
 * unreferenced, or writes it anew) while this process runs collection with no grace period as fast as it
 * can. An acknowledged message must always have its body; a delivery that loses the race is refused
 * (temporary failure, the MTA retries), never acknowledged without a blob.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { nodeArgsFor } from './helpers/child-script.js';

const LOGIN = 'race@example.org';
const ROUNDS = 300;

test('forced garbage collection racing deliveries in another process never leaves an acknowledged message without its blob', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-gc-race-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const store = await openSqliteStore({ dataDir });
  t.after(() => store.close());
  await store.createAccount(LOGIN, 'hash');

  const child = spawn(
    process.execPath,
    [...nodeArgsFor(import.meta.url, './helpers/gc-race-child.js'), dataDir, LOGIN, String(ROUNDS)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  let running = true;
  const exited = once(child, 'exit').finally(() => {
    running = false;
  });
  let collections = 0;
  let removed = 0;
  while (running) {
    removed += (await store.collectGarbage({ graceMs: 0 })).removed;
    collections++;
  }
  const [code] = await exited;
  assert.equal(code, 0, output);
  const result = JSON.parse(output) as { acked: number; refused: number; missingAfterAck: string[] };
  t.diagnostic(
    `${result.acked} acknowledged, ${result.refused} refused, ${collections} collections removed ${removed} blobs`,
  );
  assert.deepEqual(result.missingAfterAck, [], 'acknowledged messages whose blob was gone');
  assert.ok(result.acked >= ROUNDS / 10, `too few deliveries got through: ${JSON.stringify(result)}`);
  assert.ok(removed > 0, 'the collector never removed the blob: the race was not exercised');
  assert.deepEqual((await store.checkIntegrity()).problems, []);
});
