import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  countResolved,
  formatSequenceSet,
  formatUidList,
  matchSortedUids,
  parseSequenceSet,
  resolveRanges,
  seqSetContains,
  seqSetExceeds,
  sequenceSetToString,
  tryParseSequenceSet,
  uidIndexRanges,
} from './seqset.js';

describe('seqset: parsing (RFC 9051 §9 sequence-set)', () => {
  it('parses numbers, ranges, * and $', () => {
    assert.deepEqual(parseSequenceSet('1:*,3,5:7'), {
      kind: 'ranges',
      ranges: [
        { from: 1, to: '*' },
        { from: 3, to: 3 },
        { from: 5, to: 7 },
      ],
    });
    assert.deepEqual(parseSequenceSet('*'), { kind: 'ranges', ranges: [{ from: '*', to: '*' }] });
    assert.deepEqual(parseSequenceSet('$'), { kind: 'saved' });
    assert.deepEqual(parseSequenceSet('4294967295'), {
      kind: 'ranges',
      ranges: [{ from: 4294967295, to: 4294967295 }],
    });
  });

  for (const bad of [
    '',
    '0',
    '01',
    '1:',
    ':1',
    '1,,2',
    '1,',
    ',1',
    '1:2:3',
    'a',
    '4294967296',
    '1:0',
    '$,1',
    '**',
    '1 2',
    '-1',
  ]) {
    it(`rejects ${JSON.stringify(bad)}`, () => {
      assert.equal(tryParseSequenceSet(bad), undefined);
      assert.throws(() => parseSequenceSet(bad));
    });
  }
});

describe('seqset: resolution without materialising', () => {
  it('resolves *, reverses n:m, merges and sorts', () => {
    assert.deepEqual(resolveRanges(parseSequenceSet('7:5,1,2,*,3:4'), 10), [
      { from: 1, to: 7 },
      { from: 10, to: 10 },
    ]);
    assert.deepEqual(resolveRanges(parseSequenceSet('1:*'), 0), []);
    assert.deepEqual(resolveRanges(parseSequenceSet('5:*'), 3), [{ from: 3, to: 5 }]);
    assert.deepEqual(resolveRanges(parseSequenceSet('5:*'), 3, true), [{ from: 3, to: 3 }]);
  });

  it('1:4294967295 is cheap', () => {
    const ranges = resolveRanges(parseSequenceSet('1:4294967295'), 5);
    assert.equal(countResolved(ranges), 4294967295);
    const uids = Uint32Array.from([3, 9, 4000000000]);
    assert.deepEqual([...matchSortedUids(parseSequenceSet('1:4294967295'), uids)], [0, 1, 2]);
  });

  it('matches a sorted UID list', () => {
    const uids = [2, 4, 6, 8, 10, 12];
    assert.deepEqual([...matchSortedUids(parseSequenceSet('3:8,12'), uids)], [1, 2, 3, 5]);
    assert.deepEqual([...matchSortedUids(parseSequenceSet('*'), uids)], [5]);
    assert.deepEqual([...matchSortedUids(parseSequenceSet('20:*'), uids)], [5]); // RFC 9051 §6.4.8: n:* includes the last
    assert.deepEqual([...matchSortedUids(parseSequenceSet('1'), [])], []);
    assert.ok(seqSetContains(parseSequenceSet('1,5:*'), 9, 9));
    assert.ok(!seqSetContains(parseSequenceSet('1,5:7'), 9, 9));
  });

  it('index ranges and the out-of-range check', () => {
    const uids = [2, 4, 6, 8, 10, 12];
    assert.deepEqual(uidIndexRanges(parseSequenceSet('3:8,12'), uids), [
      [1, 4],
      [5, 6],
    ]);
    assert.deepEqual(uidIndexRanges(parseSequenceSet('1:*'), uids), [[0, 6]]);
    assert.deepEqual(uidIndexRanges(parseSequenceSet('1:4294967295'), uids), [[0, 6]]);
    assert.deepEqual(uidIndexRanges(parseSequenceSet('13:20'), uids), []);
    assert.ok(seqSetExceeds(parseSequenceSet('1:5'), 4));
    assert.ok(!seqSetExceeds(parseSequenceSet('1:*,4'), 4));
  });

  it('property: matchSortedUids agrees with naive membership', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 50 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 220 }), fc.integer({ min: 1, max: 220 }), fc.boolean()), {
          minLength: 1,
          maxLength: 6,
        }),
        (uidsRaw, ranges) => {
          const uids = uidsRaw.sort((a, b) => a - b);
          const text = ranges.map(([a, b, star]) => (star ? `${a}:*` : `${a}:${b}`)).join(',');
          const set = parseSequenceSet(text);
          const max = uids.length ? uids[uids.length - 1]! : 0;
          const expected = uids.flatMap((u, i) => (seqSetContains(set, u, max) ? [i] : []));
          assert.deepEqual([...matchSortedUids(set, uids)], expected);
          const fromRanges = uidIndexRanges(set, uids).flatMap(([a, b]) =>
            Array.from({ length: b - a }, (_, k) => a + k),
          );
          assert.deepEqual(fromRanges, expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('seqset: formatting', () => {
  it('compresses runs', () => {
    assert.equal(formatSequenceSet([1, 2, 3, 7, 9, 10]), '1:3,7,9:10');
    assert.equal(formatSequenceSet([5, 1, 2, 2]), '1:2,5');
    assert.equal(formatSequenceSet([]), '');
    assert.equal(formatUidList([7, 8, 3, 4]), '7:8,3:4');
  });

  it('property: format → parse → expand round-trips', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 100 }),
        (nums) => {
          const text = formatSequenceSet(nums);
          const set = parseSequenceSet(text);
          const sorted = [...nums].sort((a, b) => a - b);
          const expanded: number[] = [];
          for (const r of resolveRanges(set, 5000)) for (let k = r.from; k <= r.to; k++) expanded.push(k);
          assert.deepEqual(expanded, sorted);
          assert.equal(sequenceSetToString(set), text);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: random strings never throw from tryParseSequenceSet', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9:*,$]{0,20}$/), (s) => {
        tryParseSequenceSet(s);
      }),
      { numRuns: 300 },
    );
  });
});
