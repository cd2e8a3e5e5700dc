import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatMaildirName, parseMaildirName, uniqueBase } from './filename.js';

test('Maildir names: base and info, with the separators mutt and Dovecot accept', () => {
  assert.deepEqual(parseMaildirName('123.M1P2Q3.host:2,FS'), { base: '123.M1P2Q3.host', info: 'FS' });
  assert.deepEqual(parseMaildirName('123.M1P2Q3.host!2,S'), { base: '123.M1P2Q3.host', info: 'S' });
  assert.deepEqual(parseMaildirName('123.M1P2Q3.host'), { base: '123.M1P2Q3.host', info: null });
  assert.deepEqual(parseMaildirName('123.host,S=99:2,'), { base: '123.host,S=99', info: '' });
  assert.equal(formatMaildirName('b', 'S'), 'b:2,S');
  assert.equal(formatMaildirName('b', null), 'b');
});

test('uniqueBase: unique, no separator characters', () => {
  const bases = new Set(Array.from({ length: 1000 }, () => uniqueBase(0)));
  assert.equal(bases.size, 1000);
  for (const base of bases) assert.doesNotMatch(base, /[/:]/);
});
