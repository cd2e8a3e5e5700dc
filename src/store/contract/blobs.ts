import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { type OpenStore, withStore } from './fixture.js';

export function blobContract(open: OpenStore): void {
  describe('blobs', () => {
    it('is content-addressed and deduplicates', () =>
      withStore(open, async ({ store }) => {
        const a = await store.blobs.put(Buffer.from('hello world'));
        assert.match(a.id, /^[0-9a-f]{64}$/);
        assert.equal(a.size, 11);
        const b = await store.blobs.put(Readable.from([Buffer.from('hello '), Buffer.from('world')]));
        assert.deepEqual(b, a);
        const parallel = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            store.blobs.put(
              i % 2 ? Buffer.from('same') : Readable.from([Buffer.from('sa'), Buffer.from('me')]),
            ),
          ),
        );
        assert.equal(new Set(parallel.map((r) => r.id)).size, 1);
        const ids: string[] = [];
        for await (const id of store.blobs.list()) ids.push(id);
        assert.equal(ids.length, 2);
      }));

    it('reads whole and ranged, reports size and existence, removes', () =>
      withStore(open, async ({ store }) => {
        const ref = await store.blobs.put(Buffer.from('0123456789'));
        assert.equal((await store.blobs.read(ref.id)).toString(), '0123456789');
        assert.equal(await text(store.blobs.stream(ref.id)), '0123456789');
        assert.equal(await text(store.blobs.stream(ref.id, 2, 5)), '234');
        assert.equal(await text(store.blobs.stream(ref.id, 7)), '789');
        assert.equal(await text(store.blobs.stream(ref.id, 4, 4)), '');
        assert.equal(await store.blobs.size(ref.id), 10);
        assert.equal(await store.blobs.exists(ref.id), true);
        await store.blobs.remove(ref.id);
        assert.equal(await store.blobs.exists(ref.id), false);
        assert.equal(await store.blobs.size(ref.id), null);
        await assert.rejects(store.blobs.read(ref.id), { code: 'NOT_FOUND' });
      }));

    it('streams a large input to disk', () =>
      withStore(open, async ({ store }) => {
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const ref = await store.blobs.put(Readable.from(Array.from({ length: 40 }, () => chunk)));
        assert.equal(ref.size, 40 * chunk.length);
        assert.equal(await store.blobs.size(ref.id), ref.size);
      }));
  });
}
