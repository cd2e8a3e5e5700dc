import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsciiOut } from './ascii-out.js';

test('ascii out: digits and bytes across chunks, taken in order', () => {
  const out = new AsciiOut();
  const numbers = [0, 7, 10, 99, 4294967295, 2 ** 53 - 1];
  for (let i = 0; i < 10_000; i++) {
    out.reserve(40);
    out.bytes(Buffer.from('* '));
    out.uint(numbers[i % numbers.length] as number);
    out.bytes(Buffer.from(')\r\n'));
  }
  const text = Buffer.concat(out.take()).toString('latin1');
  const expected = Array.from({ length: 10_000 }, (_, i) => `* ${numbers[i % numbers.length]})\r\n`).join('');
  assert.equal(text, expected);
  assert.deepEqual(out.take(), []);
  out.reserve(200_000);
  out.bytes(Buffer.alloc(200_000, 65));
  assert.equal(Buffer.concat(out.take()).length, 200_000);
});
