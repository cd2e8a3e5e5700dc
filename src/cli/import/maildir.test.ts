import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCrlf } from './crlf.js';
import { maildirFlags } from './maildir.js';

test('maildirFlags maps the standard letters and Dovecot keywords', () => {
  assert.deepEqual(maildirFlags('1700000000.M1P2.host:2,FRS'), ['\\Flagged', '\\Answered', '\\Seen']);
  assert.deepEqual(maildirFlags('1700000000.M1P2.host:2,DT'), ['\\Draft', '\\Deleted']);
  assert.deepEqual(maildirFlags('1700000000.M1P2.host:2,P'), []);
  assert.deepEqual(maildirFlags('1700000000.M1P2.host'), []);
  assert.deepEqual(maildirFlags('x!2,S'), ['\\Seen']);
  assert.deepEqual(maildirFlags('x:2,Sac', ['$Important', 'Work', 'Later']), ['\\Seen', '$Important', 'Later']);
  assert.deepEqual(maildirFlags('x:2,Sb', ['$Important']), ['\\Seen']);
});

test('toCrlf turns bare LF into CRLF and keeps existing CRLF', () => {
  assert.equal(toCrlf(Buffer.from('a\nb\r\nc\n')).toString(), 'a\r\nb\r\nc\r\n');
  assert.equal(toCrlf(Buffer.from('no newline')).toString(), 'no newline');
  assert.equal(toCrlf(Buffer.from('\n\n')).toString(), '\r\n\r\n');
  const crlf = Buffer.from('x\r\ny\r\n');
  assert.equal(toCrlf(crlf), crlf);
});
