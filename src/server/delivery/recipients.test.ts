import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Account, Store } from '../../store/store.js';
import { isLocalDomain, parseRecipient, resolveRecipient } from './recipients.js';

test('addresses are lower-cased and the +tag is dropped for the login', () => {
  assert.deepEqual(parseRecipient('<User+News@Example.ORG>'), {
    address: 'user+news@example.org',
    login: 'user@example.org',
    domain: 'example.org',
  });
  assert.deepEqual(parseRecipient('postmaster'), { address: 'postmaster', login: 'postmaster', domain: '' });
  assert.equal(parseRecipient('+x@example.org').login, '+x@example.org');
});

test('localDomains: empty means any domain', () => {
  assert.equal(isLocalDomain({ localDomains: [] }, 'any.example'), true);
  assert.equal(isLocalDomain({ localDomains: ['Example.org'] }, 'example.org'), true);
  assert.equal(isLocalDomain({ localDomains: ['example.org'] }, 'other.example'), false);
});

function fakeStore(logins: string[]): Store {
  const accounts = new Map(logins.map((login, i) => [login, { id: i + 1, login } as Account]));
  return { getAccount: async (login: string) => accounts.get(login) ?? null } as unknown as Store;
}

test('resolveRecipient: case-insensitive, subaddress, exact "+" login wins, foreign domain refused', async () => {
  const store = fakeStore(['user@example.org', 'odd+login@example.org']);
  const config = { localDomains: ['example.org'] };
  assert.equal((await resolveRecipient(store, config, 'USER@example.org'))?.id, 1);
  assert.equal((await resolveRecipient(store, config, 'user+tag@EXAMPLE.org'))?.id, 1);
  assert.equal((await resolveRecipient(store, config, 'odd+login@example.org'))?.id, 2);
  assert.equal(await resolveRecipient(store, config, 'user@other.example'), null);
  assert.equal(await resolveRecipient(store, config, 'nobody@example.org'), null);
});
