import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteOut } from './byte-out.js';

test('byte out: digits and bytes across chunks, taken in order', () => {
  const out = new ByteOut();
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

test('byte out: text as UTF-8 between bytes, across chunks', () => {
  const out = new ByteOut();
  const texts = ['NIL', '("Grüße" NIL)', 'x'.repeat(70_000), '😀 ok', ''];
  for (let i = 0; i < 100; i++) {
    out.reserve(8);
    out.bytes(Buffer.from('* '));
    out.text(texts[i % texts.length] as string);
    out.reserve(8);
    out.bytes(Buffer.from(')\r\n'));
  }
  const expected = Array.from({ length: 100 }, (_, i) => `* ${texts[i % texts.length]})\r\n`).join('');
  assert.equal(Buffer.concat(out.take()).toString('utf8'), expected);
});
