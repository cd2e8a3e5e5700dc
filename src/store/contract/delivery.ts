import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChangeBus, MailboxChange } from '../../bus/bus.js';
import {
  appendSample,
  createUser,
  mailboxId,
  type OpenStore,
  sampleMessage,
  sampleMeta,
  withStore,
} from './fixture.js';

export function deliveryContract(open: OpenStore): void {
  describe('quota and delivery', () => {
    it('enforces the byte quota on append and copy', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store, 'q@x.org', { quotaBytes: 250 });
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        await appendSample(store, account.id, inbox, { n: 1, bytes: 100 });
        await appendSample(store, account.id, inbox, { n: 2, bytes: 100 });
        await assert.rejects(appendSample(store, account.id, inbox, { n: 3, bytes: 100 }), {
          code: 'OVER_QUOTA',
        });
        await assert.rejects(store.copy(inbox, [1], archive), { code: 'OVER_QUOTA' });
        assert.deepEqual(await store.move(inbox, [1, 2], archive).then((r) => r.destUids), [1, 2]);
        const usage = await store.getQuotaUsage(account.id);
        assert.deepEqual([usage.bytes, usage.messages], [200, 2]);
        assert.equal((await store.getIndex(inbox)).mailbox.uidNext, 3, 'a failed append consumes no UID');
      }));

    it('enforces the message-count quota and frees space on expunge and mailbox delete', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store, 'q@x.org', { quotaMessages: 2 });
        const inbox = await mailboxId(store, account.id);
        const junk = await mailboxId(store, account.id, 'Junk');
        await appendSample(store, account.id, inbox, { n: 1 });
        await appendSample(store, account.id, junk, { n: 2 });
        await assert.rejects(appendSample(store, account.id, inbox, { n: 3 }), { code: 'OVER_QUOTA' });
        await store.deleteMailbox(account.id, 'Junk');
        await appendSample(store, account.id, inbox, { n: 4 });
        await store.expunge(inbox, { uids: [1], force: true });
        await appendSample(store, account.id, inbox, { n: 5 });
        assert.equal((await store.getQuotaUsage(account.id)).messages, 2);
        await store.updateAccount('q@x.org', { quotaMessages: null });
        await appendSample(store, account.id, inbox, { n: 6 });
      }));

    it('delivers one blob to several recipients with per-recipient outcomes', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'a@x.org');
        const full = await createUser(store, 'full@x.org', { quotaBytes: 10 });
        const carol = await createUser(store, 'c@x.org');
        const blob = await store.blobs.put(sampleMessage('multi', 100));
        const outcomes = await store.deliver({
          blob,
          meta: sampleMeta('multi'),
          internalDate: new Date('2023-03-03T00:00:00Z'),
          recipients: [
            { accountId: alice.id },
            { accountId: full.id },
            { accountId: carol.id, mailbox: 'Archive', flags: ['\\Seen'] },
            { accountId: carol.id, mailbox: 'NoSuchFolder' },
            { accountId: 987_654 },
          ],
        });
        assert.equal(outcomes.length, 5);
        assert.ok(outcomes[0]?.ok);
        assert.ok(!outcomes[1]?.ok && (outcomes[1]!.error as { code?: string }).code === 'OVER_QUOTA');
        assert.ok(outcomes[2]?.ok);
        assert.ok(!outcomes[3]?.ok && (outcomes[3]!.error as { code?: string }).code === 'NOT_FOUND');
        assert.ok(!outcomes[4]?.ok && (outcomes[4]!.error as { code?: string }).code === 'NOT_FOUND');
        if (outcomes[2]?.ok) {
          const archive = await mailboxId(store, carol.id, 'Archive');
          assert.equal(outcomes[2].result.mailboxId, archive);
          const [message] = await store.getMessages(archive, [outcomes[2].result.uid]);
          assert.deepEqual(message?.flags, ['\\Seen']);
          assert.equal(message?.blobId, blob.id);
          assert.equal(message?.internalDate.toISOString(), '2023-03-03T00:00:00.000Z');
        }
        assert.equal((await store.getQuotaUsage(full.id)).messages, 0);
        assert.equal((await store.getIndex(await mailboxId(store, alice.id))).uids.length, 1);
      }));

    it('gives 100 parallel appends distinct UIDs, all present', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const results = await Promise.all(
          Array.from({ length: 100 }, (_, n) => appendSample(store, account.id, inbox, { n })),
        );
        const uids = results.map((r) => r.uid).sort((a, b) => a - b);
        assert.equal(new Set(uids).size, 100);
        assert.deepEqual(Array.from((await store.getIndex(inbox)).uids), uids);
        assert.equal((await store.getQuotaUsage(account.id)).messages, 100);
      }));

    it('publishes changes after commit, structural ones marked', async () => {
      const changes: MailboxChange[] = [];
      const bus: ChangeBus = {
        publish: (change) => changes.push(change),
        subscribeMailbox: () => () => {},
        subscribeAccount: () => () => {},
        close: async () => {},
      };
      await withStore(
        (dir) => open(dir, { bus }),
        async ({ store }) => {
          const account = await createUser(store);
          const inbox = await mailboxId(store, account.id);
          changes.length = 0;
          const appended = await appendSample(store, account.id, inbox, { n: 1 });
          assert.deepEqual(changes, [{ accountId: account.id, mailboxId: inbox, modseq: appended.modseq }]);
          changes.length = 0;
          const created = await store.createMailbox(account.id, 'New');
          assert.deepEqual(changes, [
            { accountId: account.id, mailboxId: created.id, modseq: created.highestModseq, structural: true },
          ]);
          changes.length = 0;
          await store.deleteMailbox(account.id, 'New');
          assert.equal(changes[0]?.structural, true);
          // (Un)subscribing an existing mailbox is structural too (IMAP NOTIFY SubscriptionChange);
          // a name without a mailbox has nothing to publish for.
          changes.length = 0;
          await store.setSubscribed(account.id, 'INBOX', false);
          assert.deepEqual(
            changes.map((c) => [c.mailboxId, c.structural]),
            [[inbox, true]],
          );
          changes.length = 0;
          await store.setSubscribed(account.id, 'Nowhere', true);
          assert.deepEqual(changes, []);
        },
      );
    });
  });
}
