import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { FileBlobStore } from './blobs.js';

async function withBlobs(body: (blobs: FileBlobStore, dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-blobs-'));
  try {
    await body(new FileBlobStore(dataDir), dataDir);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function age(path: string): Promise<void> {
  const old = new Date(Date.now() - 3_600_000);
  await utimes(path, old, old);
}

describe('FileBlobStore', () => {
  it('lays files out as blobs/ab/cd/<sha256> and leaves no temp file behind', () =>
    withBlobs(async (blobs, dataDir) => {
      const ref = await blobs.put(Buffer.from('abc'));
      assert.equal(ref.id, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      assert.equal(blobs.pathOf(ref.id), join(dataDir, 'blobs', 'ba', '78', ref.id));
      assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), []);
    }));

  it('removes the temp file when the input stream fails', () =>
    withBlobs(async (blobs, dataDir) => {
      const failing = new Readable({
        read() {
          this.push(Buffer.from('partial'));
          this.destroy(new Error('client went away'));
        },
      });
      await assert.rejects(blobs.put(failing), /client went away/);
      assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), []);
      for await (const id of blobs.list()) assert.fail(`unexpected blob ${id}`);
    }));

  it('removes only stale temp files', () =>
    withBlobs(async (blobs, dataDir) => {
      await blobs.put(Buffer.from('make the tmp dir'));
      const stale = join(dataDir, 'blobs', 'tmp', 'crashed-put');
      const fresh = join(dataDir, 'blobs', 'tmp', 'in-flight-put');
      await writeFile(stale, 'x');
      await writeFile(fresh, 'y');
      await age(stale);
      assert.equal(await blobs.removeStaleTemp(60_000), 1);
      assert.deepEqual(await readdir(join(dataDir, 'blobs', 'tmp')), ['in-flight-put']);
    }));

  it('moveToTrashSync keeps a young blob, moves an old one out of sight; emptyTrash unlinks it', () =>
    withBlobs(async (blobs, dataDir) => {
      const ref = await blobs.put(Buffer.from('collect me'));
      assert.equal(blobs.moveToTrashSync(ref.id, 60_000, Date.now()), null, 'young');
      assert.equal(blobs.isPresentSync(ref.id), true);
      await age(blobs.pathOf(ref.id));
      assert.equal(blobs.moveToTrashSync(ref.id, 60_000, Date.now()), 10);
      assert.equal(blobs.isPresentSync(ref.id), false);
      assert.equal(await blobs.exists(ref.id), false);
      assert.equal(blobs.moveToTrashSync(ref.id, 0, Date.now()), null, 'already gone');
      assert.equal((await readdir(join(dataDir, 'blobs', 'trash'))).length, 1);
      await blobs.emptyTrash();
      assert.deepEqual(await readdir(join(dataDir, 'blobs', 'trash')), []);
    }));

  it('a put of content whose blob collection moved away writes the file again', () =>
    withBlobs(async (blobs) => {
      for (let round = 0; round < 20; round++) {
        const data = Buffer.from(`racy ${round}`);
        const ref = await blobs.put(data);
        await age(blobs.pathOf(ref.id));
        const again = blobs.put(data);
        blobs.moveToTrashSync(ref.id, 0, Date.now());
        assert.equal((await again).id, ref.id);
        // Either the put saw the file (and the store's commit check would refuse the message) or it
        // wrote the content again; a put that finds no file must always leave one behind.
        if (!blobs.isPresentSync(ref.id)) assert.equal((await blobs.put(data)).id, ref.id);
        assert.equal(blobs.isPresentSync(ref.id), true, `round ${round}`);
      }
    }));

  it('rejects ids that are not sha256 hex', () =>
    withBlobs(async (blobs) => {
      assert.equal(await blobs.size('../../etc/passwd'), null);
      await assert.rejects(blobs.read('../../etc/passwd'), { code: 'NOT_FOUND' });
      assert.throws(() => blobs.stream('nope'), { code: 'NOT_FOUND' });
    }));

  it('readSync returns the same bytes as read() and fails like it', () =>
    withBlobs(async (blobs) => {
      const data = Buffer.from('From: a@example.com\r\n\r\n.dot line\r\n\xff\x00 8-bit', 'latin1');
      const ref = await blobs.put(data);
      assert.deepEqual(blobs.readSync(ref.id), data);
      assert.deepEqual(blobs.readSync(ref.id), await blobs.read(ref.id));
      const empty = await blobs.put(Buffer.alloc(0));
      assert.equal(blobs.readSync(empty.id).length, 0);
      assert.throws(() => blobs.readSync('0'.repeat(64)), { code: 'NOT_FOUND' });
      assert.throws(() => blobs.readSync('../../etc/passwd'), { code: 'NOT_FOUND' });
    }));

  it('readIntoSync fills the caller buffer at the offset and refuses a blob shorter than asked', () =>
    withBlobs(async (blobs) => {
      const data = Buffer.from('line one\r\n.line two\r\n');
      const ref = await blobs.put(data);
      const target = Buffer.alloc(data.length + 4, 0x2a);
      blobs.readIntoSync(ref.id, target, 2, data.length);
      assert.deepEqual(target.subarray(2, 2 + data.length), data);
      assert.equal(target[0], 0x2a);
      assert.equal(target[target.length - 1], 0x2a);
      assert.throws(() => blobs.readIntoSync(ref.id, Buffer.alloc(100), 0, 100), /shorter/);
      assert.throws(() => blobs.readIntoSync('0'.repeat(64), target, 0, 1), { code: 'NOT_FOUND' });
    }));
});
