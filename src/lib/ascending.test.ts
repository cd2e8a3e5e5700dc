import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exceptAscending, intersectAscending, isAscending, unionAscending } from './ascending.js';

const list = (numbers: ArrayLike<number>) => Array.from(numbers);

test('intersectAscending', () => {
  assert.deepEqual(list(intersectAscending([1, 3, 5, 7, 9], [2, 3, 4, 9, 12])), [3, 9]);
  assert.deepEqual(list(intersectAscending([1, 2], [])), []);
  assert.deepEqual(list(intersectAscending([], [1])), []);
  assert.deepEqual(list(intersectAscending(new Uint32Array([4, 2 ** 32 - 1]), [2 ** 32 - 1])), [2 ** 32 - 1]);
});

test('exceptAscending, and unionAscending of disjoint lists', () => {
  assert.deepEqual(exceptAscending([1, 3, 5, 7, 9], [3, 4, 9, 12]), [1, 5, 7]);
  assert.deepEqual(exceptAscending([1, 2], []), [1, 2]);
  assert.deepEqual(list(unionAscending([1, 5, 7], [3, 9])), [1, 3, 5, 7, 9]);
  assert.deepEqual(list(unionAscending([], [2])), [2]);
});

test('unionAscending and isAscending', () => {
  assert.deepEqual(list(unionAscending([1, 3, 5], [2, 3, 6])), [1, 2, 3, 5, 6]);
  assert.deepEqual(list(unionAscending([], [4])), [4]);
  assert.deepEqual(list(unionAscending([7, 8], [1, 2, 3, 8, 9])), [1, 2, 3, 7, 8, 9]);
  assert.equal(isAscending([1, 1, 2]), true);
  assert.equal(isAscending([2, 1]), false);
  assert.equal(isAscending(new Uint32Array([3, 2])), false);
});
