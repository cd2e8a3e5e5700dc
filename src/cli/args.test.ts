import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatPercent } from './args.js';

test('formatPercent', () => {
  assert.equal(formatPercent(50, 200), '25.0%');
  assert.equal(formatPercent(1, null), '');
  assert.equal(formatPercent(0, 0), '0.0%');
  assert.equal(formatPercent(5, 0), '100.0%');
});
