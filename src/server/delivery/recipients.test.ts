import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account, Store } from '../../store/store.js';
import { isLocalDomain, lookupRecipient, parseRecipient, resolveRecipient } from './recipients.js';

test('addresses are lower-cased and the +tag is dropped for the login', () => {
  assert.deepEqual(parseRecipient('<User+News@Example.ORG>'), {
    address: 'user+news@example.org',
    login: 'user@example.org',
    domain: 'example.org',
  });
  assert.deepEqual(parseRecipient('postmaster'), { address: 'postmaster', login: 'postmaster', domain: '' });
  assert.equal(parseRecipient('+x@example.org').login, '+x@example.org');
});

function fakeStore(logins: string[]): Store {
  const accounts = new Map(logins.map((login, i) => [login, { id: i + 1, login } as Account]));
  return {
    getAccount: async (login: string) => accounts.get(login) ?? null,
    hasAccountInDomain: async (domain: string) => logins.some((l) => l.endsWith(`@${domain}`)),
  } as unknown as Store;
}

test('localDomains: listed ones, or with none listed the domains of existing accounts', async () => {
  const store = fakeStore(['user@example.org']);
  assert.equal(await isLocalDomain(store, { localDomains: [] }, 'example.org'), true);
  assert.equal(await isLocalDomain(store, { localDomains: [] }, 'any.example'), false);
  assert.equal(await isLocalDomain(store, { localDomains: ['Example.net'] }, 'example.net'), true);
  assert.equal(await isLocalDomain(store, { localDomains: ['example.net'] }, 'example.org'), false);
});

test('lookupRecipient tells an unknown user of ours from another domain (relaying)', async () => {
  const store = fakeStore(['user@example.org']);
  for (const localDomains of [[], ['example.org']]) {
    const config = { localDomains };
    assert.equal((await lookupRecipient(store, config, 'user@example.org')).kind, 'local');
    assert.equal((await lookupRecipient(store, config, 'nobody@example.org')).kind, 'unknown-user');
    assert.equal((await lookupRecipient(store, config, 'someone@elsewhere.example')).kind, 'other-domain');
    assert.equal((await lookupRecipient(store, config, 'postmaster')).kind, 'unknown-user');
  }
});

test('resolveRecipient: case-insensitive, subaddress, exact "+" login wins, foreign domain refused', async () => {
  const store = fakeStore(['user@example.org', 'odd+login@example.org']);
  const config = { localDomains: ['example.org'] };
  assert.equal((await resolveRecipient(store, config, 'USER@example.org'))?.id, 1);
  assert.equal((await resolveRecipient(store, config, 'user+tag@EXAMPLE.org'))?.id, 1);
  assert.equal((await resolveRecipient(store, config, 'odd+login@example.org'))?.id, 2);
  assert.equal(await resolveRecipient(store, config, 'user@other.example'), null);
  assert.equal(await resolveRecipient(store, config, 'nobody@example.org'), null);
});
