/**
 * Store.searchCandidates, for backends that have a full-text index (the method is optional; a backend
 * without it is skipped). The contract: a superset of the messages that contain every needle, ascending;
 * undefined when nothing can be narrowed. The exact check is the caller's, so these tests assert only
 * what a correct index must include and what a useful one leaves out.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Store, TextNeedle } from '../store.js';
import { createUser, mailboxId, type OpenStore, sampleMeta, withStore } from './fixture.js';

async function add(store: Store, accountId: number, mailbox: number, header: string, body: string) {
  const blob = await store.blobs.put(Buffer.from(`${header}\r\n\r\n${body}`));
  return store.append({
    accountId,
    mailboxId: mailbox,
    blob,
    meta: { ...sampleMeta(), headerText: header, bodyText: body },
  });
}

export function searchContract(open: OpenStore): void {
  describe('full-text search candidates', () => {
    it('finds messages by header, body or either, case-insensitively, and ANDs the needles', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const find = (mailbox: number, ...needles: TextNeedle[]) => store.searchCandidates!(mailbox, needles);
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(
          store,
          account.id,
          inbox,
          'Subject: Quarterly REPORT\nFrom: Ann <ann@example.org>',
          'numbers',
        );
        await add(store, account.id, inbox, 'Subject: lunch', 'the quarterly report is late');
        await add(store, account.id, inbox, 'Subject: Größe ΟΔΟΣ', 'Straße');
        await add(store, account.id, inbox, 'To: bob (the boss) @ example.net', 'unrelated');

        assert.deepEqual(await find(inbox, { where: 'header', value: 'quarterly' }), [1]);
        assert.deepEqual(await find(inbox, { where: 'body', value: 'QUARTERLY' }), [2]);
        assert.deepEqual(await find(inbox, { where: 'text', value: 'Quarterly report' }), [1, 2]);
        assert.deepEqual(
          await find(inbox, { where: 'text', value: 'quarterly' }, { where: 'body', value: 'late' }),
          [2],
        );
        assert.deepEqual(await find(inbox, { where: 'header', value: 'GRÖSSE' }), [], 'no ß expansion');
        assert.deepEqual(await find(inbox, { where: 'header', value: 'größe' }), [3]);
        assert.deepEqual(await find(inbox, { where: 'header', value: 'οδος' }), [3], 'final sigma');
        assert.deepEqual(await find(inbox, { where: 'body', value: 'STRASSE' }), []);
        // The address as ENVELOPE parses it, which the raw field does not contain.
        assert.deepEqual(await find(inbox, { where: 'header', value: 'bob@example.net' }), [4]);
        assert.deepEqual(await find(inbox, { where: 'text', value: 'nothing like this' }), []);
      }));

    it('cannot narrow by needles shorter than three characters, but narrows by the others', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(store, account.id, inbox, 'Subject: ab', 'xy');
        await add(store, account.id, inbox, 'Subject: abc', 'xyz');
        assert.equal(await store.searchCandidates(inbox, [{ where: 'text', value: 'ab' }]), undefined);
        assert.equal(await store.searchCandidates(inbox, []), undefined);
        const some = await store.searchCandidates(inbox, [
          { where: 'text', value: 'xy' },
          { where: 'body', value: 'xyz' },
        ]);
        assert.ok(some?.includes(2) && !some.includes(1), `got ${some}`);
      }));

    it('follows copies, moves and expunges, per mailbox', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        const archive = await mailboxId(store, account.id, 'Archive');
        const other = await createUser(store, 'bob@example.org');
        const bobInbox = await mailboxId(store, other.id);
        for (let i = 1; i <= 5; i++)
          await add(store, account.id, inbox, `Subject: item ${i}`, 'shared words');
        await add(store, other.id, bobInbox, 'Subject: bob', 'shared words');
        const needle: TextNeedle[] = [{ where: 'body', value: 'shared' }];
        assert.deepEqual(await store.searchCandidates(inbox, needle), [1, 2, 3, 4, 5]);
        await store.copy(inbox, [1, 2], archive);
        await store.move(inbox, [3], archive);
        await store.expunge(inbox, { uids: [5], force: true });
        assert.deepEqual(await store.searchCandidates(inbox, needle), [1, 2, 4]);
        assert.deepEqual(await store.searchCandidates(archive, needle), [1, 2, 3]);
        assert.deepEqual(await store.searchCandidates(bobInbox, needle), [1]);
        await store.expunge(inbox, { uids: [1, 2, 4], force: true });
        await store.collectGarbage({ graceMs: 0 });
        assert.deepEqual(await store.searchCandidates(inbox, needle), []);
        assert.deepEqual(await store.searchCandidates(archive, needle), [1, 2, 3], 'copies keep their text');
        await assert.rejects(store.searchCandidates(999_999, needle), { code: 'NOT_FOUND' });
      }));

    it('integrity check reports the index complete', () =>
      withStore(open, async ({ store }) => {
        if (!store.searchCandidates) return;
        const account = await createUser(store);
        const inbox = await mailboxId(store, account.id);
        await add(store, account.id, inbox, 'Subject: one', 'body');
        const report = await store.checkIntegrity();
        assert.deepEqual(report.searchIndex, { missing: 0, extra: 0, stale: false });
      }));
  });
}
