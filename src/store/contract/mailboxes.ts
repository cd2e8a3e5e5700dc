import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { appendSample, createUser, mailboxId, type OpenStore, withStore } from './fixture.js';

export function mailboxContract(open: OpenStore): void {
  describe('mailboxes', () => {
    it('creates, finds, lists and deletes mailboxes', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const created = await store.createMailbox(account.id, 'Projects', { specialUse: '\\Flagged' });
        assert.equal(created.name, 'Projects');
        assert.equal(created.specialUse, '\\Flagged');
        assert.equal(created.uidNext, 1);
        assert.ok(created.uidValidity > 0);
        assert.ok(created.highestModseq >= 1);
        assert.deepEqual(await store.getMailboxById(created.id), created);
        await assert.rejects(store.createMailbox(account.id, 'Projects'), { code: 'EXISTS' });
        await store.deleteMailbox(account.id, 'Projects');
        assert.equal(await store.getMailbox(account.id, 'Projects'), null);
        await assert.rejects(store.deleteMailbox(account.id, 'Projects'), { code: 'NOT_FOUND' });
        await assert.rejects(store.deleteMailbox(account.id, 'inbox'), { code: 'NOT_ALLOWED' });
      }));

    it('treats INBOX case-insensitively', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        assert.equal((await store.getMailbox(account.id, 'iNbOx'))?.name, 'INBOX');
        await assert.rejects(store.createMailbox(account.id, 'inbox'), { code: 'EXISTS' });
      }));

    it('keeps UIDVALIDITY stable and gives a recreated name a new one', () =>
      withStore(open, async (fx) => {
        const account = await createUser(fx.store);
        const first = await fx.store.createMailbox(account.id, 'Work');
        await fx.reopen();
        assert.equal((await fx.store.getMailbox(account.id, 'Work'))?.uidValidity, first.uidValidity);
        await fx.store.deleteMailbox(account.id, 'Work');
        const second = await fx.store.createMailbox(account.id, 'Work');
        assert.notEqual(second.uidValidity, first.uidValidity);
        assert.ok(second.uidValidity > first.uidValidity);
      }));

    it('never shows a UIDVALIDITY twice for one name, also through renames', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const seen = new Set<number>();
        const note = async (name: string) => {
          const mailbox = await store.getMailbox(account.id, name);
          assert.ok(!seen.has(mailbox!.uidValidity), `${name} got a UIDVALIDITY it had before`);
          seen.add(mailbox!.uidValidity);
        };
        await store.createMailbox(account.id, 'A');
        await note('A');
        await store.renameMailbox(account.id, 'A', 'B');
        await store.createMailbox(account.id, 'A');
        await note('A');
        await store.deleteMailbox(account.id, 'A');
        await store.renameMailbox(account.id, 'B', 'A');
        await note('A');
      }));

    it('gives each mailbox an objectId that RENAME keeps and no other mailbox ever gets', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const a = await store.createMailbox(account.id, 'A');
        assert.match(a.objectId, /^[A-Za-z0-9_-]{1,200}$/);
        const ids = new Set((await store.listMailboxes(account.id)).map((m) => m.objectId));
        assert.equal(ids.size, (await store.listMailboxes(account.id)).length, 'distinct per mailbox');
        await store.renameMailbox(account.id, 'A', 'B');
        assert.equal((await store.getMailbox(account.id, 'B'))?.objectId, a.objectId);
        await store.deleteMailbox(account.id, 'B');
        const again = await store.createMailbox(account.id, 'B');
        const other = await store.createMailbox((await createUser(store, 'other@example.org')).id, 'B');
        assert.ok(!ids.has(again.objectId) && again.objectId !== other.objectId);
        // Renaming INBOX moves its messages into a new mailbox: a new id there, INBOX keeps its own.
        const inbox = await store.getMailbox(account.id, 'INBOX');
        await store.renameMailbox(account.id, 'INBOX', 'Old');
        assert.equal((await store.getMailbox(account.id, 'INBOX'))?.objectId, inbox!.objectId);
        assert.ok(!ids.has((await store.getMailbox(account.id, 'Old'))!.objectId));
      }));

    it('deletes a parent but keeps its children', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        await store.createMailbox(account.id, 'A');
        await store.createMailbox(account.id, 'A/B');
        await store.deleteMailbox(account.id, 'A');
        assert.ok(await store.getMailbox(account.id, 'A/B'));
      }));

    it('renames a mailbox with its children and keeps messages', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        await store.createMailbox(account.id, 'A');
        await store.createMailbox(account.id, 'A/B');
        await store.createMailbox(account.id, 'AB');
        const a = await mailboxId(store, account.id, 'A');
        await appendSample(store, account.id, a, { n: 1 });
        await store.setSubscribed(account.id, 'A/B', true);
        await store.renameMailbox(account.id, 'A', 'C');
        const names = (await store.listMailboxes(account.id)).map((m) => m.name);
        assert.ok(names.includes('C') && names.includes('C/B') && names.includes('AB'));
        assert.ok(!names.includes('A') && !names.includes('A/B'));
        const c = await store.getMailbox(account.id, 'C');
        assert.equal(c?.id, a);
        assert.deepEqual(Array.from((await store.getIndex(a)).uids), [1]);
        assert.ok((await store.listSubscriptions(account.id)).includes('C/B'));
        await assert.rejects(store.renameMailbox(account.id, 'C', 'AB'), { code: 'EXISTS' });
        await assert.rejects(store.renameMailbox(account.id, 'Nope', 'X'), { code: 'NOT_FOUND' });
      }));

    it('renames onto a name that one of its own children had', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const q = await store.createMailbox(account.id, 'R/Q');
        const qq = await store.createMailbox(account.id, 'R/Q/Q');
        await store.renameMailbox(account.id, 'R/Q', 'R');
        assert.equal((await store.getMailbox(account.id, 'R'))?.id, q.id);
        assert.equal((await store.getMailbox(account.id, 'R/Q'))?.id, qq.id);
        assert.equal(await store.getMailbox(account.id, 'R/Q/Q'), null);
      }));

    it('renaming INBOX moves its messages to a new mailbox and leaves INBOX empty', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await appendSample(store, account.id, inbox, { n: 1 });
        await appendSample(store, account.id, inbox, { n: 2 });
        const before = await store.getMailboxById(inbox);
        await store.renameMailbox(account.id, 'INBOX', 'Old');
        const old = await store.getMailbox(account.id, 'Old');
        assert.ok(old);
        assert.notEqual(old.id, inbox);
        assert.deepEqual(Array.from((await store.getIndex(old.id)).uids), [1, 2]);
        const after = await store.getIndex(inbox);
        assert.equal(after.uids.length, 0);
        assert.equal(after.mailbox.uidValidity, before?.uidValidity);
        assert.equal(after.mailbox.uidNext, 3);
        const changes = await store.changesSince(inbox, before!.highestModseq);
        assert.deepEqual(changes.expunged, [1, 2]);
        const usage = await store.getQuotaUsage(account.id);
        assert.equal(usage.messages, 2);
        await appendSample(store, account.id, inbox, { n: 3 });
        await store.renameMailbox(account.id, 'inbox', 'INBOX/Older');
        const older = await store.getMailbox(account.id, 'INBOX/Older');
        assert.deepEqual(Array.from((await store.getIndex(older!.id)).uids), [3]);
      }));

    it('keeps subscriptions, also for names that do not exist', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        await store.createMailbox(account.id, 'Lists');
        await store.setSubscribed(account.id, 'Lists', true);
        await store.setSubscribed(account.id, 'Ghost', true);
        assert.equal((await store.getMailbox(account.id, 'Lists'))?.subscribed, true);
        await store.deleteMailbox(account.id, 'Lists');
        const subs = await store.listSubscriptions(account.id);
        assert.ok(subs.includes('Lists') && subs.includes('Ghost'));
        await store.setSubscribed(account.id, 'Ghost', false);
        assert.ok(!(await store.listSubscriptions(account.id)).includes('Ghost'));
        assert.equal((await store.getMailbox(account.id, 'Trash'))?.subscribed, true);
      }));

    it('reports STATUS counts', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await appendSample(store, account.id, inbox, { n: 1, bytes: 100, flags: ['\\Seen'] });
        await appendSample(store, account.id, inbox, { n: 2, bytes: 200, flags: ['\\Deleted'] });
        await appendSample(store, account.id, inbox, { n: 3, bytes: 300 });
        const status = await store.mailboxStatus(inbox);
        assert.equal(status.messages, 3);
        assert.equal(status.unseen, 2);
        assert.equal(status.deleted, 1);
        assert.equal(status.size, 600);
        assert.equal(status.deletedSize, 200);
        assert.equal(status.recent, 3);
        assert.equal(status.firstUnseenUid, 2);
        assert.equal(status.uidNext, 4);
        await assert.rejects(store.mailboxStatus(999_999), { code: 'NOT_FOUND' });
        const quick = await store.selectStatus(inbox);
        assert.deepEqual([quick.recent, quick.firstUnseenUid, quick.uidNext], [3, 2, 4]);
        await store.storeFlags({ mailboxId: inbox, uids: [2, 3], operation: 'add', flags: ['\\Seen'] });
        assert.equal((await store.selectStatus(inbox)).firstUnseenUid, null);
        await store.storeFlags({ mailboxId: inbox, uids: [3], operation: 'remove', flags: ['\\Seen'] });
        assert.equal((await store.selectStatus(inbox)).firstUnseenUid, 3);
        await assert.rejects(store.selectStatus(999_999), { code: 'NOT_FOUND' });
      }));
  });
}
