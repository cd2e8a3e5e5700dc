import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPercent, formatSize } from './args.js';

test('formatSize', () => {
  assert.equal(formatSize(null), 'unlimited');
  assert.equal(formatSize(0), '0 B');
  assert.equal(formatSize(1023), '1023 B');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(500 * 1024 ** 2), '500 MiB');
  assert.equal(formatSize(2 * 1024 ** 3), '2 GiB');
  assert.equal(formatSize(123.4 * 1024 ** 2), '123 MiB');
});

test('formatPercent', () => {
  assert.equal(formatPercent(50, 200), '25.0%');
  assert.equal(formatPercent(1, null), '');
  assert.equal(formatPercent(0, 0), '0.0%');
  assert.equal(formatPercent(5, 0), '100.0%');
});
