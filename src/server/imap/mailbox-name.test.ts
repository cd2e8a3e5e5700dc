import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMailboxName, normalizeMailboxName, parentNames } from './mailbox-name.js';

test('mailbox names: valid names pass, INBOX is canonicalised', () => {
  assert.deepEqual(checkMailboxName('Work/Projects'), { ok: true, name: 'Work/Projects' });
  assert.deepEqual(checkMailboxName('inbox'), { ok: true, name: 'INBOX' });
  assert.deepEqual(checkMailboxName('Inbox/Sub'), { ok: true, name: 'INBOX/Sub' });
  assert.deepEqual(checkMailboxName('Entwürfe'), { ok: true, name: 'Entwürfe' });
  assert.equal(normalizeMailboxName('INBOXES'), 'INBOXES');
});

test('mailbox names: hostile names are refused', () => {
  for (const bad of [
    '',
    'a\u0000b',
    'a\rb',
    '../etc',
    'a/../b',
    '.',
    'a//b',
    '/a',
    'a/',
    'x*',
    'y%',
    '\uD800',
    'a\uFFFDb',
  ]) {
    assert.equal(checkMailboxName(bad).ok, false, JSON.stringify(bad));
  }
  assert.equal(checkMailboxName('x'.repeat(1001)).ok, false);
  assert.equal(checkMailboxName(Array(40).fill('a').join('/')).ok, false);
});

test('mailbox names: CREATE may end with the delimiter', () => {
  assert.deepEqual(checkMailboxName('Parent/', { forCreate: true }), { ok: true, name: 'Parent' });
  assert.deepEqual(parentNames('a/b/c'), ['a', 'a/b']);
});
