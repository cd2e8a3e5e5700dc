import assert from 'node:assert/strict';
import { test } from 'node:test';
import { challengeLine, errLine, multiLine, okLine } from './response.js';

test('status lines, codes, sanitised text', () => {
  assert.equal(okLine(), '+OK\r\n');
  assert.equal(okLine('2 320'), '+OK 2 320\r\n');
  assert.equal(errLine('no', 'IN-USE'), '-ERR [IN-USE] no\r\n');
  assert.equal(errLine('a\r\nb'), '-ERR a b\r\n');
  assert.equal(challengeLine(''), '+ \r\n');
});

test('multi-line responses are dot-stuffed and terminated', () => {
  assert.equal(multiLine('', ['TOP', '.x']), '+OK\r\nTOP\r\n..x\r\n.\r\n');
  assert.equal(multiLine('0 messages', []), '+OK 0 messages\r\n.\r\n');
});
