import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, parsePlain } from './sasl.js';

test('strict base64', () => {
  assert.deepEqual(decodeBase64('AGFsaWNlAHNlY3JldA=='), Buffer.from('\0alice\0secret'));
  assert.deepEqual(decodeBase64('='), Buffer.alloc(0));
  assert.deepEqual(decodeBase64(''), Buffer.alloc(0));
  for (const bad of ['abc', '!!!!', 'YQ=', 'YQ===', 'Y Q==', 'YWJj\u00e9', '*'])
    assert.equal(decodeBase64(bad), null, bad);
});

test('PLAIN message', () => {
  assert.deepEqual(parsePlain(Buffer.from('\0alice\0secret')), {
    authzid: '',
    authcid: 'alice',
    password: 'secret',
  });
  assert.deepEqual(parsePlain(Buffer.from('admin\0alice\0p w')), {
    authzid: 'admin',
    authcid: 'alice',
    password: 'p w',
  });
  for (const bad of ['alice', '\0alice', '\0\0pw', '\0alice\0', 'a\0b\0c\0d'])
    assert.equal(parsePlain(Buffer.from(bad)), null, bad);
});

test('property: never throws', () => {
  fc.assert(
    fc.property(fc.string(), fc.uint8Array(), (text, bytes) => {
      decodeBase64(text);
      parsePlain(Buffer.from(bytes));
    }),
  );
});
