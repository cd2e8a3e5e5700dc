import assert from 'node:assert/strict';
import { test } from 'node:test';
import { messageIdOf } from './message-id.js';

test('messageIdOf: the header field only, folded or not, case-insensitive', () => {
  assert.equal(messageIdOf(Buffer.from('Subject: x\r\nMessage-ID: <a@b>\r\n\r\nbody')), '<a@b>');
  assert.equal(messageIdOf(Buffer.from('message-id:\r\n <folded@b>\r\n\r\n')), '<folded@b>');
  assert.equal(messageIdOf(Buffer.from('Subject: x\n\nMessage-ID: <in-body@b>\n')), null);
  assert.equal(messageIdOf(Buffer.from('X-Message-ID: <no@b>\r\n\r\n')), null);
});
