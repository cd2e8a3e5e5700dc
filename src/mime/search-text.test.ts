import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { indexedHeaderText, normalizedAddresses, searchFold } from './search-text.js';

test('searchFold: a substring of a lower-cased slice stays a substring of the folded whole', () => {
  // The evaluator lower-cases one header line or the whole body; the index folds the whole text.
  const char = fc.constantFrom(...'aAσΣςİıKkß Ǆǅǆ ΟΔΟΣ.:-xX');
  fc.assert(
    fc.property(
      fc.array(char, { minLength: 1, maxLength: 12 }),
      fc.nat(),
      fc.nat(),
      fc.nat(),
      fc.nat(4),
      (chars, f, t, a, n) => {
        const text = chars.join('');
        const from = f % text.length;
        const to = from + (t % (text.length - from + 1));
        const slice = text.slice(from, to).toLowerCase();
        const start = slice.length ? a % slice.length : 0;
        const needle = slice.slice(start, start + 1 + n);
        return searchFold(text).includes(searchFold(needle));
      },
    ),
    { numRuns: 5000 },
  );
  assert.equal(searchFold('ΟΔΟΣ'), 'οδοσ');
});

test('indexedHeaderText adds the normalized form of address fields only', () => {
  const header =
    'From: <bob (the boss)@ example.net>\nSubject: To: <x (y)@ z.org>\nTo: Ann <ann@example.org>\n';
  const indexed = indexedHeaderText(header);
  assert.ok(indexed.includes('<bob@example.net>'));
  assert.ok(!indexed.includes('<x@z.org>'), 'a Subject that looks like an address field');
  assert.ok(indexed.includes('ann <ann@example.org>'));
  assert.equal(normalizedAddresses(' undisclosed-recipients:;'), '');
});
