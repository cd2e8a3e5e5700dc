import assert from 'node:assert/strict';
import { test } from 'node:test';
import { foreignAuthor, fromAddresses, ownsAddress } from './sender-policy.js';

test('a user owns its login and its subaddresses, nothing else', () => {
  assert.equal(ownsAddress('alice@example.org', 'alice@example.org'), true);
  assert.equal(ownsAddress('alice@example.org', 'Alice@Example.ORG'), true);
  assert.equal(ownsAddress('alice@example.org', 'alice+lists@example.org'), true);
  assert.equal(ownsAddress('alice@example.org', '<alice@example.org>'), true);
  for (const other of [
    'bob@example.org',
    'alice@example.com',
    'alice',
    '',
    'alicex@example.org',
    'x+alice@example.org',
  ])
    assert.equal(ownsAddress('alice@example.org', other), false, other);
});

test('From: authors are read from the header only, display names and groups aside', () => {
  const message = Buffer.from(
    'Subject: x\r\nFrom: "Alice A." <alice@example.org>,\r\n bob@example.org\r\nTo: carol@remote.test\r\n\r\nFrom: mallory@evil.test\r\n',
  );
  assert.deepEqual(fromAddresses(message), ['alice@example.org', 'bob@example.org']);
  assert.equal(foreignAuthor('alice@example.org', message), 'bob@example.org');
  assert.equal(
    foreignAuthor('alice@example.org', Buffer.from('From: Alice <alice+x@example.org>\n\nbody')),
    null,
  );
  assert.equal(foreignAuthor('alice@example.org', Buffer.from('Subject: no from\r\n\r\n')), null);
});
