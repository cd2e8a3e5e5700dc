import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BlobStore } from '../store.js';
import {
  appendSample,
  type BlobTamper,
  createUser,
  DAY_MS,
  fileBlobTamper,
  ManualClock,
  mailboxId,
  type OpenStore,
  sampleMeta,
  withStore,
} from './fixture.js';

async function allBlobs(blobs: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of blobs.list()) ids.push(id);
  return ids;
}

export function maintenanceContract(open: OpenStore, tamper: BlobTamper = fileBlobTamper): void {
  const ageBlob = tamper.age;
  describe('maintenance', () => {
    it('collects unreferenced blobs after the grace period only', () =>
      withStore(open, async ({ store, dataDir }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const kept = await appendSample(store, account.id, inbox, { n: 1, flags: ['\\Deleted'] });
        const [keptMessage] = await store.getMessages(inbox, [kept.uid]);
        const fresh = await store.blobs.put(Buffer.from('written, not yet committed'));
        const orphan = await store.blobs.put(Buffer.from('orphan'));
        await ageBlob(dataDir, orphan.id);
        await ageBlob(dataDir, keptMessage!.blobId);

        const first = await store.collectGarbage({ graceMs: 60_000 });
        assert.equal(first.removed, 1);
        assert.equal(first.freedBytes, 'orphan'.length);
        assert.equal(first.waiting, 1, 'the fresh blob waits for the grace period');
        assert.equal(first.waitingBytes, 'written, not yet committed'.length);
        assert.equal(await store.blobs.exists(orphan.id), false);
        assert.equal(await store.blobs.exists(fresh.id), true);
        assert.equal(await store.blobs.exists(keptMessage!.blobId), true);

        await store.expunge(inbox);
        assert.equal((await store.collectGarbage({ graceMs: 60_000 })).removed, 1);
        assert.deepEqual(await allBlobs(store.blobs), [fresh.id]);
      }));

    it('collects the blobs of a deleted account', () =>
      withStore(open, async ({ store, dataDir }) => {
        const gone = await createUser(store, 'gone@x.org');
        const stays = await createUser(store, 'stays@x.org');
        await appendSample(store, gone.id, await mailboxId(store, gone.id), { n: 'gone' });
        await appendSample(store, stays.id, await mailboxId(store, stays.id), { n: 'stays' });
        await store.deleteAccount('gone@x.org');
        for (const id of await allBlobs(store.blobs)) await ageBlob(dataDir, id);
        assert.equal((await store.collectGarbage({ graceMs: 1000 })).removed, 1);
        assert.equal((await allBlobs(store.blobs)).length, 1);
        assert.deepEqual((await store.checkIntegrity()).problems, []);
      }));

    it('keeps a blob shared by a copy until the last reference is gone', () =>
      withStore(open, async ({ store, dataDir }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        await appendSample(store, account.id, inbox, { n: 1 });
        await store.copy(inbox, [1], archive);
        await store.expunge(inbox, { uids: [1], force: true });
        const [copy] = await store.getMessages(archive, [1]);
        await ageBlob(dataDir, copy!.blobId);
        assert.equal((await store.collectGarbage({ graceMs: 0 })).removed, 0);
        assert.equal((await store.getMessagesWithMeta(archive, [1]))[0]?.meta.preview, 'hello');
      }));

    it('applies retention to INBOX by the save date, through the expunge path', () => {
      const clock = new ManualClock(Date.parse('2025-06-01T00:00:00Z'));
      return withStore(
        (dir) => open(dir, { clock }),
        async ({ store }) => {
          const account = await createUser(store, 'r@x.org', { retentionDays: 30 });
          const forever = await createUser(store, 'f@x.org');
          const inbox = await mailboxId(store, account.id);
          const archive = await mailboxId(store, account.id, 'Archive');
          const longAgo = new Date(clock.now() - 400 * DAY_MS);
          // An import or an APPEND carrying an old date: its clock starts now, not at its date.
          const imported = await appendSample(store, account.id, inbox, {
            n: 'imported',
            internalDate: longAgo,
          });
          const old = await appendSample(store, account.id, archive, {
            n: 'archived',
            internalDate: longAgo,
          });
          await appendSample(store, forever.id, await mailboxId(store, forever.id), {
            n: 4,
            internalDate: longAgo,
          });
          assert.equal(
            await store.applyRetention(new Date(clock.now() + DAY_MS)),
            0,
            'old INTERNALDATE kept',
          );

          clock.advance(10 * DAY_MS);
          const blob = await store.blobs.put(Buffer.from('Subject: delivered\r\n\r\nhi\r\n'));
          const [delivered] = await store.deliver({
            blob,
            meta: sampleMeta(),
            recipients: [{ accountId: account.id }],
          });
          assert.ok(delivered?.ok);
          clock.advance(10 * DAY_MS);
          // The copy's clock starts at the copy (and a move's at the move); the Archive original stays.
          const copied = await store.copy(archive, [old.uid], inbox);
          const moved = await appendSample(store, account.id, archive, { n: 'moved', internalDate: longAgo });
          const movedIn = await store.move(archive, [moved.uid], inbox);
          const [copy] = await store.getMessages(inbox, copied.destUids);
          assert.equal(copy?.saveDate.getTime(), clock.now());
          assert.equal(copy?.internalDate.getTime(), longAgo.getTime(), 'INTERNALDATE is kept');

          const before = (await store.getMailboxById(inbox))!.highestModseq;
          // Day 31 after the import: only the imported message is older than 30 days in INBOX.
          assert.equal(await store.applyRetention(new Date(clock.now() + 11 * DAY_MS)), 1);
          assert.deepEqual((await store.changesSince(inbox, before)).expunged, [imported.uid]);
          // Day 41 after the delivery: the delivered message goes; the copy and the move stay.
          assert.equal(await store.applyRetention(new Date(clock.now() + 21 * DAY_MS)), 1);
          assert.deepEqual(Array.from((await store.getIndex(inbox)).uids), [
            ...copied.destUids,
            ...movedIn.destUids,
          ]);
          assert.equal(await store.applyRetention(new Date(clock.now() + 31 * DAY_MS)), 2);
          assert.equal((await store.getIndex(inbox)).uids.length, 0);
          assert.equal((await store.getIndex(archive)).uids.length, 1, 'retention is for INBOX only');
          assert.equal((await store.getQuotaUsage(account.id)).messages, 1);
          assert.equal((await store.getQuotaUsage(forever.id)).messages, 1);
        },
      );
    });

    it('finds a deleted blob, and a healthy store has no problems', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await appendSample(store, account.id, inbox, { n: 1 });
        await appendSample(store, account.id, inbox, { n: 2 });
        const healthy = await store.checkIntegrity();
        assert.deepEqual(healthy.problems, []);
        assert.equal(healthy.checkedMessages, 2);
        assert.equal(healthy.checkedBlobs, 2);

        const [message] = await store.getMessages(inbox, [2]);
        await store.blobs.remove(message!.blobId);
        const report = await store.checkIntegrity({ repair: true });
        assert.deepEqual(
          report.problems.map((p) => p.kind),
          ['missing-blob'],
        );
        assert.equal(report.problems[0]?.repairable, false);
        assert.equal(report.repaired, 0);
      }));

    it('reports unreferenced blobs by the grace period and collects the old ones on repair', () =>
      withStore(open, async ({ store, dataDir }) => {
        const orphan = await store.blobs.put(Buffer.from('nobody'));
        const young = await store.checkIntegrity();
        assert.deepEqual(young.problems, [], 'an unreferenced blob is not a problem');
        assert.deepEqual(young.unreferenced, {
          waiting: 1,
          waitingBytes: 6,
          collectable: 0,
          collectableBytes: 0,
        });
        await ageBlob(dataDir, orphan.id);
        const old = await store.checkIntegrity();
        assert.deepEqual(old.unreferenced, {
          waiting: 0,
          waitingBytes: 0,
          collectable: 1,
          collectableBytes: 6,
        });
        assert.equal(old.collected, undefined, 'no repair, nothing collected');
        const repaired = await store.checkIntegrity({ repair: true });
        assert.equal(repaired.collected?.removed, 1);
        assert.equal(repaired.collected?.freedBytes, 6);
        assert.equal(await store.blobs.exists(orphan.id), false);
        assert.equal((await store.checkIntegrity()).unreferenced.collectable, 0);
      }));

    it('refuses to commit a message whose blob collection removed, and never removes a referenced one', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const blob = await store.blobs.put(Buffer.from('Subject: late\r\n\r\nbody\r\n'));
        // A delivery that got its blob reference, then lost the race against a forced collection.
        assert.equal((await store.collectGarbage({ graceMs: 0 })).removed, 1);
        await assert.rejects(
          store.append({ accountId: account.id, mailboxId: inbox, blob, meta: sampleMeta() }),
          { code: 'TEMP' },
        );
        const [outcome] = await store.deliver({
          blob,
          meta: sampleMeta(),
          recipients: [{ accountId: account.id }],
        });
        assert.equal(outcome?.ok, false);
        assert.equal((await store.getQuotaUsage(account.id)).messages, 0);
        // Written again, committed, then collection with no grace period must leave it alone.
        const again = await store.blobs.put(Buffer.from('Subject: late\r\n\r\nbody\r\n'));
        await store.append({ accountId: account.id, mailboxId: inbox, blob: again, meta: sampleMeta() });
        assert.equal((await store.collectGarbage({ graceMs: 0 })).removed, 0);
        assert.equal(await store.blobs.exists(again.id), true);
        assert.deepEqual((await store.checkIntegrity()).problems, []);
      }));
  });
}
