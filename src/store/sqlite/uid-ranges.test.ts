import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toUidRanges } from './uid-ranges.js';

describe('toUidRanges', () => {
  it('merges sorted and unsorted lists, drops duplicates and invalid UIDs', () => {
    assert.deepEqual(toUidRanges([1, 2, 3, 5, 7, 8]), [
      [1, 3],
      [5, 5],
      [7, 8],
    ]);
    assert.deepEqual(toUidRanges([8, 3, 1, 2, 2, 7, 0, -1, 1.5]), [
      [1, 3],
      [7, 8],
    ]);
    assert.deepEqual(toUidRanges([]), []);
  });
});
