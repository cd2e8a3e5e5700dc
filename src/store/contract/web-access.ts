import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSession } from '../activity.js';
import { createUser, type OpenStore, withStore } from './fixture.js';

const NOW = new Date(Date.UTC(2026, 0, 10));
const HOUR = 3_600_000;

function session(accountId: number, tokenHash: string, overrides: Partial<WebSession> = {}): WebSession {
  return {
    tokenHash,
    accountId,
    purpose: 'session',
    csrfToken: `csrf-${tokenHash}`,
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + HOUR),
    ...overrides,
  };
}

export function webAccessContract(open: OpenStore): void {
  describe('web access', () => {
    it('finds a session by its hash until it expires, and deletes it', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        await store.createWebSession(session(alice.id, 'h1'));
        await store.createWebSession(session(alice.id, 'h2', { purpose: 'device-link' }));
        assert.deepEqual(await store.getWebSession('h1', NOW), session(alice.id, 'h1'));
        assert.equal((await store.getWebSession('h2', NOW))?.purpose, 'device-link');
        assert.equal(await store.getWebSession('h1', new Date(NOW.getTime() + HOUR)), null, 'expired');
        assert.equal(await store.getWebSession('nope', NOW), null);
        await store.deleteWebSession('h1');
        assert.equal(await store.getWebSession('h1', NOW), null);
        await store.deleteWebSession('h1'); // deleting twice is fine (logout from two tabs)
      }));

    it("ends an account's sessions except the one kept, and not other accounts'", () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        const bob = await createUser(store, 'bob@example.org');
        for (const hash of ['a1', 'a2', 'a3']) await store.createWebSession(session(alice.id, hash));
        await store.createWebSession(session(bob.id, 'b1'));
        assert.equal(await store.deleteWebSessions(alice.id, { keep: 'a2' }), 2);
        assert.ok(await store.getWebSession('a2', NOW));
        assert.equal(await store.getWebSession('a1', NOW), null);
        assert.ok(await store.getWebSession('b1', NOW));
        assert.equal(await store.deleteWebSessions(alice.id), 1);
      }));

    it('sessions go with their account; an unknown account cannot get one', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org');
        await store.createWebSession(session(alice.id, 'h1'));
        await store.deleteAccount(alice.login);
        assert.equal(await store.getWebSession('h1', NOW), null);
        await assert.rejects(store.createWebSession(session(alice.id, 'h2')), { code: 'NOT_FOUND' });
      }));

    it('creates, finds, lists and deletes API tokens by hash', () =>
      withStore(open, async ({ store }) => {
        const alice = await createUser(store, 'alice@example.org', { admin: true });
        const bob = await createUser(store, 'bob@example.org');
        const t1 = await store.createApiToken(alice.id, 'monitoring', 'hash-1');
        const t2 = await store.createApiToken(bob.id, 'phone', 'hash-2');
        assert.equal(t1.name, 'monitoring');
        assert.equal(t1.accountId, alice.id);
        assert.ok(t1.createdAt instanceof Date);
        assert.deepEqual(await store.findApiToken('hash-1'), t1);
        assert.equal(await store.findApiToken('hash-3'), null);
        assert.deepEqual(await store.listApiTokens(), [t1, t2]);
        assert.deepEqual(await store.listApiTokens(bob.id), [t2]);
        await assert.rejects(store.createApiToken(bob.id, 'again', 'hash-1'), { code: 'EXISTS' });
        await assert.rejects(store.createApiToken(12_345, 'x', 'hash-9'), { code: 'NOT_FOUND' });
        await store.deleteApiToken(t1.id);
        assert.equal(await store.findApiToken('hash-1'), null);
        await assert.rejects(store.deleteApiToken(t1.id), { code: 'NOT_FOUND' });
        await store.deleteAccount(bob.login);
        assert.deepEqual(await store.listApiTokens(), []);
      }));
  });
}
