import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maildirFlags } from './maildir.js';

test('maildirFlags maps the standard letters and Dovecot keywords', () => {
  assert.deepEqual(maildirFlags('1700000000.M1P2.host:2,FRS'), ['\\Flagged', '\\Answered', '\\Seen']);
  assert.deepEqual(maildirFlags('1700000000.M1P2.host:2,DT'), ['\\Draft', '\\Deleted']);
  assert.deepEqual(maildirFlags('1700000000.M1P2.host:2,P'), []);
  assert.deepEqual(maildirFlags('1700000000.M1P2.host'), []);
  assert.deepEqual(maildirFlags('x!2,S'), ['\\Seen']);
  assert.deepEqual(maildirFlags('x:2,Sac', ['$Important', 'Work', 'Later']), [
    '\\Seen',
    '$Important',
    'Later',
  ]);
  assert.deepEqual(maildirFlags('x:2,Sb', ['$Important']), ['\\Seen']);
});
