import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleMeta } from '../contract/fixture.js';
import type { BlobRef } from '../store.js';
import { openSqliteStore, type SqliteStore } from './index.js';
import { DEFAULT_INLINE_BLOB_MAX_BYTES } from './inline-blobs.js';

async function withSqlite(
  body: (store: SqliteStore, dataDir: string) => Promise<void>,
  inlineBlobMaxBytes?: number,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-inline-'));
  const store = await openSqliteStore({ dataDir, inlineBlobMaxBytes });
  try {
    await body(store, dataDir);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const fileOf = (dataDir: string, id: string) => join(dataDir, 'blobs', id.slice(0, 2), id.slice(2, 4), id);

async function deliver(store: SqliteStore, blob: BlobRef): Promise<void> {
  const account = (await store.getAccount('a@x.org')) ?? (await store.createAccount('a@x.org', 'hash'));
  const [outcome] = await store.deliver({
    blob,
    meta: sampleMeta(),
    recipients: [{ accountId: account.id }],
  });
  assert.ok(outcome?.ok);
}

test('messages up to the limit are database rows, larger ones files', () =>
  withSqlite(async (store, dataDir) => {
    const limit = DEFAULT_INLINE_BLOB_MAX_BYTES;
    const small = store.blobs.stage(Buffer.alloc(limit, 's'));
    assert.ok(small);
    assert.equal(store.blobs.stage(Buffer.alloc(limit + 1, 'b')), null);
    await deliver(store, small);
    assert.equal(existsSync(fileOf(dataDir, small.id)), false, 'no file for a database blob');
    assert.equal((await store.blobs.read(small.id)).length, limit);

    const big = await store.blobs.put(Buffer.alloc(limit + 1, 'b'));
    await deliver(store, big);
    assert.equal(existsSync(fileOf(dataDir, big.id)), true);
  }));

test('inlineBlobMaxBytes 0 keeps every blob in files', () =>
  withSqlite(async (store) => {
    assert.equal(store.blobs.stage(Buffer.from('x')), null);
  }, 0));

test('a blob both a file and a row is listed once, and collected in both forms', () =>
  withSqlite(async (store, dataDir) => {
    const data = Buffer.from('Subject: twice\r\n\r\n');
    const asFile = await store.blobs.put(data);
    await deliver(store, store.blobs.stage(data)!);
    const ids: string[] = [];
    for await (const id of store.blobs.list()) ids.push(id);
    assert.deepEqual(ids, [asFile.id]);
    const account = await store.getAccount('a@x.org');
    const inbox = await store.getMailbox(account!.id, 'INBOX');
    await store.expunge(inbox!.id, { uids: [1], force: true });
    const report = await store.collectGarbage({ graceMs: 0 });
    assert.equal(report.removed, 1);
    assert.equal(existsSync(fileOf(dataDir, asFile.id)), false);
    assert.equal(await store.blobs.exists(asFile.id), false);
  }));
