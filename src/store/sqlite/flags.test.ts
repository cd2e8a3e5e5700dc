import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyFlagOperation, decodeFlags, encodeFlags, sameFlags } from './flags.js';

describe('stored flags', () => {
  it('encodes system flags case-insensitively, drops \\Recent and unknown system flags', () => {
    const stored = encodeFlags(['\\SEEN', '\\Recent', '\\Draft', '\\Bogus', 'Work', 'work', '$Label1']);
    assert.deepEqual(stored, { bits: 1 | 16, keywords: 'Work $Label1' });
    assert.deepEqual(decodeFlags(stored.bits, stored.keywords), ['\\Seen', '\\Draft', 'Work', '$Label1']);
    assert.deepEqual(encodeFlags(undefined), { bits: 0, keywords: '' });
  });

  it('hands out independent arrays from the decode cache', () => {
    const first = decodeFlags(1, 'a');
    first.push('\\Recent');
    assert.deepEqual(decodeFlags(1, 'a'), ['\\Seen', 'a']);
  });

  it('applies add, remove and set', () => {
    const current = encodeFlags(['\\Seen', 'Work']);
    assert.deepEqual(applyFlagOperation(current, 'add', encodeFlags(['\\Flagged', 'WORK', 'Home'])), {
      bits: 1 | 4,
      keywords: 'Work Home',
    });
    assert.deepEqual(applyFlagOperation(current, 'remove', encodeFlags(['\\Seen', 'work'])), {
      bits: 0,
      keywords: '',
    });
    assert.deepEqual(applyFlagOperation(current, 'set', encodeFlags(['\\Answered'])), {
      bits: 2,
      keywords: '',
    });
  });

  it('compares keyword sets regardless of order and case', () => {
    assert.ok(sameFlags({ bits: 1, keywords: 'a B' }, { bits: 1, keywords: 'b A' }));
    assert.ok(!sameFlags({ bits: 1, keywords: 'a' }, { bits: 1, keywords: 'a b' }));
    assert.ok(!sameFlags({ bits: 1, keywords: '' }, { bits: 3, keywords: '' }));
  });
});
