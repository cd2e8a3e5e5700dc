import assert from 'node:assert/strict';
import { rm, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BlobStore } from '../store.js';
import { appendSample, createUser, mailboxId, type OpenStore, withStore } from './fixture.js';

/** Finds a blob's file under the data directory (layout: blobs/ab/cd/<id>). */
function blobPath(dataDir: string, id: string): string {
  return join(dataDir, 'blobs', id.slice(0, 2), id.slice(2, 4), id);
}

async function ageBlob(dataDir: string, id: string): Promise<void> {
  const old = new Date(Date.now() - 24 * 3600 * 1000);
  await utimes(blobPath(dataDir, id), old, old);
}

async function allBlobs(blobs: BlobStore): Promise<string[]> {
  const ids: string[] = [];
  for await (const id of blobs.list()) ids.push(id);
  return ids;
}

export function maintenanceContract(open: OpenStore): void {
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

        assert.equal(await store.collectGarbage({ graceMs: 60_000 }), 1);
        assert.equal(await store.blobs.exists(orphan.id), false);
        assert.equal(await store.blobs.exists(fresh.id), true);
        assert.equal(await store.blobs.exists(keptMessage!.blobId), true);

        await store.expunge(inbox);
        assert.equal(await store.collectGarbage({ graceMs: 60_000 }), 1);
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
        assert.equal(await store.collectGarbage({ graceMs: 1000 }), 1);
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
        assert.equal(await store.collectGarbage({ graceMs: 0 }), 0);
        assert.equal((await store.getMessagesWithMeta(archive, [1]))[0]?.meta.preview, 'hello');
      }));

    it('applies retention to INBOX by INTERNALDATE through the expunge path', () =>
      withStore(open, async ({ store }) => {
        const now = new Date('2025-06-01T00:00:00Z');
        const day = 24 * 3600 * 1000;
        const account = await createUser(store, 'r@x.org', { retentionDays: 30 });
        const forever = await createUser(store, 'f@x.org');
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        await appendSample(store, account.id, inbox, {
          n: 1,
          internalDate: new Date(now.getTime() - 40 * day),
        });
        await appendSample(store, account.id, inbox, {
          n: 2,
          internalDate: new Date(now.getTime() - 10 * day),
        });
        await appendSample(store, account.id, archive, {
          n: 3,
          internalDate: new Date(now.getTime() - 99 * day),
        });
        await appendSample(store, forever.id, await mailboxId(store, forever.id), {
          n: 4,
          internalDate: new Date(now.getTime() - 99 * day),
        });
        const before = (await store.getMailboxById(inbox))!.highestModseq;
        assert.equal(await store.applyRetention(now), 1);
        assert.deepEqual(Array.from((await store.getIndex(inbox)).uids), [2]);
        assert.deepEqual((await store.changesSince(inbox, before)).expunged, [1]);
        assert.equal((await store.getIndex(archive)).uids.length, 1);
        assert.equal((await store.getQuotaUsage(account.id)).messages, 2);
        assert.equal(await store.applyRetention(now), 0);
      }));

    it('finds a deleted blob file, and a healthy store has no problems', () =>
      withStore(open, async ({ store, dataDir }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await appendSample(store, account.id, inbox, { n: 1 });
        await appendSample(store, account.id, inbox, { n: 2 });
        const healthy = await store.checkIntegrity();
        assert.deepEqual(healthy.problems, []);
        assert.equal(healthy.checkedMessages, 2);
        assert.equal(healthy.checkedBlobs, 2);

        const [message] = await store.getMessages(inbox, [2]);
        await rm(blobPath(dataDir, message!.blobId));
        const report = await store.checkIntegrity({ repair: true });
        assert.deepEqual(
          report.problems.map((p) => p.kind),
          ['missing-blob'],
        );
        assert.equal(report.problems[0]?.repairable, false);
        assert.equal(report.repaired, 0);
      }));

    it('reports and repairs orphan blobs', () =>
      withStore(open, async ({ store, dataDir }) => {
        const orphan = await store.blobs.put(Buffer.from('nobody'));
        assert.deepEqual(
          (await store.checkIntegrity()).problems,
          [],
          'a fresh blob may be a delivery in flight',
        );
        await ageBlob(dataDir, orphan.id);
        const report = await store.checkIntegrity();
        assert.deepEqual(
          report.problems.map((p) => p.kind),
          ['orphan-blob'],
        );
        const repaired = await store.checkIntegrity({ repair: true });
        assert.equal(repaired.repaired, 1);
        assert.equal(await store.blobs.exists(orphan.id), false);
        assert.deepEqual((await store.checkIntegrity()).problems, []);
      }));
  });
}
