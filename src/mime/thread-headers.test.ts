import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headerField, messageIds, threadHeaders, threadRootId } from './thread-headers.js';

const header = [
  'From: a@example.org',
  'Message-ID: <3@example.org>',
  'In-Reply-To: <2@example.org> (sent by b)',
  'References: <1@example.org>  <2@\u0020example.org>',
  'Subject: re: x',
  '',
].join('\n');

test('headerField: first field of that name, case-insensitive, trimmed', () => {
  assert.equal(headerField(header, 'SUBJECT'), 're: x');
  assert.equal(headerField(header, 'cc'), null);
  assert.equal(headerField('Subjects: no\n', 'subject'), null);
});

test('messageIds: bracketed ids in order, inner whitespace dropped, junk skipped', () => {
  assert.deepEqual(messageIds('<a@b> junk <c@d>'), ['a@b', 'c@d']);
  assert.deepEqual(messageIds('<a @ b>'), ['a@b']);
  assert.deepEqual(messageIds('<> <unclosed'), []);
  assert.deepEqual(messageIds(null), []);
});

test('threadHeaders and threadRootId: References first, In-Reply-To without them, own id alone', () => {
  assert.deepEqual(threadHeaders(header), {
    messageId: '3@example.org',
    references: ['1@example.org', '2@example.org'],
  });
  assert.equal(threadRootId(header), '1@example.org');
  assert.equal(threadRootId('In-Reply-To: <p@x> <q@x>\nMessage-ID: <m@x>\n'), 'p@x');
  assert.equal(threadRootId('Message-ID: <m@x>\n'), 'm@x');
  assert.equal(threadRootId('Subject: none\n'), null);
});
