import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exceptAscending, intersectAscending, isAscending, unionAscending } from './ascending.js';

test('intersectAscending', () => {
  assert.deepEqual(intersectAscending([1, 3, 5, 7, 9], [2, 3, 4, 9, 12]), [3, 9]);
  assert.deepEqual(intersectAscending([1, 2], []), []);
  assert.deepEqual(intersectAscending([], [1]), []);
});

test('exceptAscending, and unionAscending of disjoint lists', () => {
  assert.deepEqual(exceptAscending([1, 3, 5, 7, 9], [3, 4, 9, 12]), [1, 5, 7]);
  assert.deepEqual(exceptAscending([1, 2], []), [1, 2]);
  assert.deepEqual(unionAscending([1, 5, 7], [3, 9]), [1, 3, 5, 7, 9]);
  assert.deepEqual(unionAscending([], [2]), [2]);
});

test('unionAscending and isAscending', () => {
  assert.deepEqual(unionAscending([1, 3, 5], [2, 3, 6]), [1, 2, 3, 5, 6]);
  assert.deepEqual(unionAscending([], [4]), [4]);
  assert.equal(isAscending([1, 1, 2]), true);
  assert.equal(isAscending([2, 1]), false);
});
