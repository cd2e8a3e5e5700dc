import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_MAILBOXES } from '../store.js';
import { createUser, type OpenStore, withStore } from './fixture.js';

export function accountContract(open: OpenStore): void {
  describe('accounts', () => {
    it('creates an account with lower-cased login and the default mailboxes', () =>
      withStore(open, async ({ store }) => {
        const account = await store.createAccount('Alice@Example.ORG', 'h1', { quotaBytes: 1000 });
        assert.equal(account.login, 'alice@example.org');
        assert.equal(account.quotaBytes, 1000);
        assert.equal(account.quotaMessages, null);
        assert.ok(account.createdAt instanceof Date);
        const names = (await store.listMailboxes(account.id)).map((m) => m.name).sort();
        assert.deepEqual(names, DEFAULT_MAILBOXES.map((m) => m.name).sort());
        const drafts = await store.getMailbox(account.id, 'Drafts');
        assert.equal(drafts?.specialUse, '\\Drafts');
        assert.equal((await store.getAccount('ALICE@example.org'))?.id, account.id);
        assert.equal((await store.getAccountById(account.id))?.login, 'alice@example.org');
      }));

    it('knows which domains have accounts', () =>
      withStore(open, async ({ store }) => {
        await createUser(store, 'carol@Example.ORG');
        await createUser(store, 'postmaster');
        assert.equal(await store.hasAccountInDomain('example.org'), true);
        assert.equal(await store.hasAccountInDomain('EXAMPLE.org'), true);
        assert.equal(await store.hasAccountInDomain('example.com'), false);
        assert.equal(await store.hasAccountInDomain('org'), false);
        assert.equal(await store.hasAccountInDomain('postmaster'), false, 'a bare login has no domain');
        assert.equal(await store.hasAccountInDomain('%'), false);
      }));

    it('rejects a duplicate login with EXISTS', () =>
      withStore(open, async ({ store }) => {
        await createUser(store, 'bob@example.org');
        await assert.rejects(store.createAccount('BOB@example.org', 'x'), { code: 'EXISTS' });
      }));

    it('lists, updates, re-hashes and deletes accounts', () =>
      withStore(open, async ({ store }) => {
        await createUser(store, 'b@x.org');
        await createUser(store, 'a@x.org');
        assert.deepEqual(
          (await store.listAccounts()).map((a) => a.login),
          ['a@x.org', 'b@x.org'],
        );

        const updated = await store.updateAccount('a@x.org', { quotaMessages: 5, popDeletePolicy: 'hide' });
        assert.equal(updated.quotaMessages, 5);
        assert.equal(updated.popDeletePolicy, 'hide');
        assert.equal(updated.popMarkSeen, null, 'the server default unless set');
        assert.equal((await store.updateAccount('a@x.org', { popMarkSeen: true })).popMarkSeen, true);
        assert.equal((await store.updateAccount('a@x.org', { popMarkSeen: false })).popMarkSeen, false);
        const unchanged = await store.updateAccount('a@x.org', { retentionDays: 30 });
        assert.equal(unchanged.popMarkSeen, false, 'untouched settings are kept');
        assert.equal(unchanged.popDeletePolicy, 'hide');
        assert.equal((await store.updateAccount('a@x.org', { popMarkSeen: null })).popMarkSeen, null);
        assert.equal((await store.updateAccount('a@x.org', { retentionDays: 30 })).quotaMessages, 5);

        await store.setPasswordHash('A@x.org', 'new-hash');
        const auth = await store.getPasswordHash('a@x.org');
        assert.equal(auth?.passwordHash, 'new-hash');
        assert.equal(auth?.account.login, 'a@x.org');
        assert.equal(await store.getPasswordHash('nobody@x.org'), null);

        await store.deleteAccount('a@x.org');
        assert.equal(await store.getAccount('a@x.org'), null);
        await assert.rejects(store.deleteAccount('a@x.org'), { code: 'NOT_FOUND' });
        await assert.rejects(store.updateAccount('a@x.org', {}), { code: 'NOT_FOUND' });
      }));

    it('keeps SCRAM keys beside the password hash, replaced with the password', () =>
      withStore(open, async ({ store }) => {
        await createUser(store, 's@x.org');
        const created = await store.getPasswordHash('s@x.org');
        assert.equal(created?.scramSha256 ?? null, null, 'none until derived');
        const hash = created?.passwordHash as string;
        assert.equal(await store.setScramSha256('S@x.org', hash, 'keys-1'), true);
        assert.equal((await store.getPasswordHash('s@x.org'))?.scramSha256, 'keys-1');
        await store.setPasswordHash('s@x.org', 'hash-2', 'keys-2');
        assert.equal((await store.getPasswordHash('s@x.org'))?.scramSha256, 'keys-2');
        // Keys derived from the old password must not land after a change.
        assert.equal(await store.setScramSha256('s@x.org', hash, 'stale'), false);
        assert.equal((await store.getPasswordHash('s@x.org'))?.scramSha256, 'keys-2');
        await store.setPasswordHash('s@x.org', 'hash-3');
        assert.equal((await store.getPasswordHash('s@x.org'))?.scramSha256 ?? null, null, 'cleared');
      }));

    it('keeps the admin flag, false unless set', () =>
      withStore(open, async ({ store }) => {
        assert.equal((await createUser(store, 'user@x.org')).admin, false);
        assert.equal((await createUser(store, 'boss@x.org', { admin: true })).admin, true);
        assert.equal((await store.updateAccount('user@x.org', { admin: true })).admin, true);
        assert.equal((await store.updateAccount('user@x.org', { quotaBytes: 5 })).admin, true, 'kept');
        assert.equal((await store.updateAccount('boss@x.org', { admin: false })).admin, false);
        assert.equal((await store.getAccount('user@x.org'))?.admin, true);
        assert.equal((await store.getPasswordHash('user@x.org'))?.account.admin, true);
      }));

    it('reports quota usage with limits', () =>
      withStore(open, async ({ store }) => {
        const account = await createUser(store, 'q@x.org', { quotaBytes: 10, quotaMessages: 2 });
        assert.deepEqual(await store.getQuotaUsage(account.id), {
          bytes: 0,
          messages: 0,
          limitBytes: 10,
          limitMessages: 2,
        });
      }));
  });
}
