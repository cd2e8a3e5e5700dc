import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { describe, it } from 'node:test';
import { createUser, mailboxId, type OpenStore, sampleMeta, withStore } from './fixture.js';

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

    // Backends that keep small blobs in their database (BlobStore.stage): the bytes commit with the message.
    it('stores a staged blob with the message that uses it, and only then', () =>
      withStore(open, async (fx) => {
        const stage = fx.store.blobs.stage?.bind(fx.store.blobs);
        if (!stage) return;
        const data = Buffer.from('Subject: staged\r\n\r\n0123456789\r\n');
        const ref = stage(data);
        assert.ok(ref, 'a small blob is staged');
        assert.equal(ref.size, data.length);
        assert.deepEqual(ref, { ...(await fx.store.blobs.put(Buffer.from(data))), inline: data });
        await fx.store.blobs.remove(ref.id);
        assert.equal(await fx.store.blobs.exists(ref.id), false, 'staging alone stores nothing');

        const account = await createUser(fx.store);
        const inbox = await mailboxId(fx.store, account.id);
        const [outcome] = await fx.store.deliver({
          blob: ref,
          meta: sampleMeta('staged'),
          recipients: [{ accountId: account.id }],
        });
        assert.ok(outcome?.ok);
        const store = await fx.reopen();
        const [message] = await store.getMessages(inbox, [1]);
        assert.equal(message?.blobId, ref.id);
        assert.equal(message?.size, data.length);
        assert.deepEqual(await store.blobs.read(ref.id), data);
        assert.deepEqual(store.blobs.readSync?.(ref.id) ?? data, data);
        if (store.blobs.readIntoSync) {
          const target = Buffer.alloc(data.length + 2, '-');
          store.blobs.readIntoSync(ref.id, target, 1, data.length);
          assert.equal(target.toString(), `-${data}-`);
          assert.throws(() => store.blobs.readIntoSync?.(ref.id, target, 0, data.length + 1));
        }
        const digits = data.indexOf('0');
        assert.equal(await text(store.blobs.stream(ref.id, digits, digits + 4)), '0123');
        assert.equal(await text(store.blobs.stream(ref.id, 30)), data.subarray(30).toString());
        assert.equal(await text(store.blobs.stream(ref.id, 5, 5)), '');
        assert.equal(await store.blobs.size(ref.id), data.length);
        const ids: string[] = [];
        for await (const id of store.blobs.list()) ids.push(id);
        assert.deepEqual(ids, [ref.id]);
        assert.deepEqual((await store.checkIntegrity()).problems, []);

        // The same bytes staged again (a second delivery) share the blob.
        const again = stage(Buffer.from(data));
        assert.ok(again);
        await store.append({ accountId: account.id, mailboxId: inbox, blob: again, meta: sampleMeta() });
        await store.expunge(inbox, { uids: [1], force: true });
        assert.equal((await store.collectGarbage({ graceMs: 0 })).removed, 0, 'still used by UID 2');
        await store.expunge(inbox, { uids: [2], force: true });
        const collected = await store.collectGarbage({ graceMs: 60_000 });
        assert.equal(collected.removed, 1, 'a database blob needs no grace period');
        assert.equal(collected.freedBytes, data.length);
        await assert.rejects(store.blobs.read(ref.id), { code: 'NOT_FOUND' });
      }));

    it('keeps nothing of a staged blob whose message was refused, and queues staged blobs', () =>
      withStore(open, async ({ store }) => {
        if (!store.blobs.stage) return;
        const account = await createUser(store, 'full@example.org', { quotaBytes: 10 });
        const refused = store.blobs.stage(Buffer.from('Subject: too big for the quota\r\n\r\n'));
        assert.ok(refused);
        const [outcome] = await store.deliver({
          blob: refused,
          meta: sampleMeta(),
          recipients: [{ accountId: account.id }],
        });
        assert.equal(outcome?.ok, false);
        assert.equal(await store.blobs.exists(refused.id), false);

        const out = store.blobs.stage(Buffer.from('Subject: out\r\n\r\nbody\r\n'));
        assert.ok(out);
        await store.enqueue({
          blob: out,
          sender: 'a@example.org',
          recipients: [{ address: 'b@remote.test' }],
        });
        assert.equal((await store.blobs.read(out.id)).toString(), 'Subject: out\r\n\r\nbody\r\n');
      }));
  });
}
