import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SearchKey } from '../../../protocol/imap/command.js';
import { indexNeedles } from './index-needles.js';

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
