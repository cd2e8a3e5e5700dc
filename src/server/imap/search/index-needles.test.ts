import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchKey } from '../../../protocol/imap/command.js';
import { exceptAscending, indexNeedles, intersectAscending, mergeAscending } from './index-needles.js';

test('indexNeedles takes the AND-ed string keys, never those under OR or NOT, nor empty ones', () => {
  const criteria: SearchKey = {
    key: 'AND',
    keys: [
      { key: 'TEXT', value: 'alpha' },
      { key: 'FLAG', flag: '\\Seen', set: true },
      { key: 'AND', keys: [{ key: 'HEADER', field: 'from', value: 'bob' }] },
      { key: 'NOT', inner: { key: 'BODY', value: 'gamma' } },
      { key: 'OR', left: { key: 'BODY', value: 'delta' }, right: { key: 'ALL' } },
      { key: 'HEADER', field: 'x-spam', value: '' },
      { key: 'BODY', value: 'ab' },
    ],
  };
  assert.deepEqual(indexNeedles(criteria), [
    { where: 'text', value: 'alpha' },
    { where: 'header', field: 'from', value: 'bob' },
    { where: 'body', value: 'ab' },
  ]);
  assert.deepEqual(indexNeedles({ key: 'NOT', inner: { key: 'TEXT', value: 'alpha' } }), []);
});

test('intersectAscending', () => {
  assert.deepEqual(intersectAscending([1, 3, 5, 7, 9], [2, 3, 4, 9, 12]), [3, 9]);
  assert.deepEqual(intersectAscending([1, 2], []), []);
  assert.deepEqual(intersectAscending([], [1]), []);
});

test('exceptAscending and mergeAscending', () => {
  assert.deepEqual(exceptAscending([1, 3, 5, 7, 9], [3, 4, 9, 12]), [1, 5, 7]);
  assert.deepEqual(exceptAscending([1, 2], []), [1, 2]);
  assert.deepEqual(mergeAscending([1, 5, 7], [3, 9]), [1, 3, 5, 7, 9]);
  assert.deepEqual(mergeAscending([], [2]), [2]);
});
