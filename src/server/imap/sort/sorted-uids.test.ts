import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SortKeys } from './sort-keys.js';
import { holdKeys, THREAD_KEYS_BUDGET, type ThreadAnswer } from './sorted-uids.js';

const answer = (count: number): ThreadAnswer => ({
  threads: { ids: new Uint32Array(0), childCounts: new Uint32Array(0) },
  keys: new Array<SortKeys>(count),
});

test('THREAD keys kept across the process stay within the budget, the oldest dropped first', () => {
  const first = answer(THREAD_KEYS_BUDGET / 2);
  const second = answer(THREAD_KEYS_BUDGET / 3);
  holdKeys(first);
  holdKeys(second);
  assert.ok(first.keys && second.keys, 'both fit');
  const third = answer(THREAD_KEYS_BUDGET / 2);
  holdKeys(third);
  assert.equal(first.keys, null, 'the oldest gave its keys up');
  assert.ok(second.keys && third.keys);
  const huge = answer(THREAD_KEYS_BUDGET + 1);
  holdKeys(huge);
  assert.equal(huge.keys, null, 'more than the whole budget is not kept');
  assert.ok(second.keys && third.keys, 'and takes nothing from the others');
});
