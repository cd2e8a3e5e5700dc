import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSize, parseCount, parseDays, parsePort, parseSize, ValueError } from './values.js';

test('parseSize accepts binary units, decimals and unlimited', () => {
  const cases: Array<[string, number | null]> = [
    ['0', 0],
    ['1048576', 1048576],
    ['512b', 512],
    ['1K', 1024],
    ['500M', 500 * 1024 ** 2],
    ['500MB', 500 * 1024 ** 2],
    ['500 MiB', 500 * 1024 ** 2],
    ['2G', 2 * 1024 ** 3],
    ['1.5g', 1.5 * 1024 ** 3],
    ['1T', 1024 ** 4],
    ['unlimited', null],
    ['NONE', null],
  ];
  for (const [input, expected] of cases) assert.equal(parseSize(input), expected, input);
});

test('parseSize rejects garbage with a message naming the value', () => {
  for (const input of ['', 'abc', '5X', '-1M', '1..5G', 'M']) {
    assert.throws(
      () => parseSize(input),
      (err: Error) => err instanceof ValueError && err.message.includes(`'${input}'`),
    );
  }
});

test('parseCount', () => {
  assert.equal(parseCount('10000'), 10000);
  assert.equal(parseCount('0'), 0);
  assert.equal(parseCount('unlimited'), null);
  assert.throws(() => parseCount('1.5'), ValueError);
  assert.throws(() => parseCount('-3'), ValueError);
});

test('parseDays understands d/w/m/y and forever, refuses zero', () => {
  assert.equal(parseDays('30'), 30);
  assert.equal(parseDays('30d'), 30);
  assert.equal(parseDays('4w'), 28);
  assert.equal(parseDays('6m'), 180);
  assert.equal(parseDays('1y'), 365);
  assert.equal(parseDays('forever'), null);
  assert.equal(parseDays('never'), null);
  for (const bad of ['0', '0d', 'x', '3h', '-1', '']) assert.throws(() => parseDays(bad), ValueError, bad);
});

test('parsePort', () => {
  assert.equal(parsePort('0'), 0);
  assert.equal(parsePort('1143'), 1143);
  assert.equal(parsePort('65535'), 65535);
  for (const bad of ['65536', '-1', 'imap', '']) assert.throws(() => parsePort(bad), ValueError, bad);
});

test('formatSize: IEC units for the CLI, words for the pages, and parseSize reads it back', () => {
  assert.equal(formatSize(null), 'unlimited');
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(1023), '1023 B');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(500 * 1024 ** 2), '500 MiB');
  assert.equal(formatSize(2 * 1024 ** 3), '2 GiB');
  assert.equal(formatSize(123.4 * 1024 ** 2), '123 MiB');
  assert.equal(formatSize(500 * 1024 ** 2, { words: true }), '500 MB');
  assert.equal(formatSize(12, { words: true }), '12 bytes');
  assert.equal(parseSize(formatSize(2 * 1024 ** 3).replace(' ', '')), 2 * 1024 ** 3);
});
