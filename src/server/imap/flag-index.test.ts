import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FlagIndex } from './flag-index.js';

function columns() {
  return {
    highestModseq: 10,
    uids: Uint32Array.from([2, 4, 6]),
    modseqs: Float64Array.from([3, 5, 7]),
    flagIds: Uint32Array.from([0, 1, 0]),
    flagSets: [['\\Seen'], []],
  };
}

/** [uid, modseq, flags] per message, in order. */
function dump(index: FlagIndex): [number, number, readonly string[]][] {
  return Array.from({ length: index.length }, (_, i) => [
    index.uidAt(i),
    index.modseqAt(i),
    index.flagSet(index.flagIdAt(i)),
  ]);
}

test('flag index: changes, expunges and appends; FLAGS text per combination', () => {
  const index = new FlagIndex(columns());
  assert.equal(index.flagsText(0), 'FLAGS (\\Seen)');
  assert.equal(index.flagsTextRecent(0), 'FLAGS (\\Seen \\Recent)');
  assert.equal(index.flagsTextRecent(1), 'FLAGS (\\Recent)');
  index.apply(
    [
      { uid: 4, modseq: 11, flags: ['\\Seen'] },
      { uid: 9, modseq: 13, flags: ['\\Draft', 'Work'] },
      { uid: 8, modseq: 12, flags: [] },
    ],
    [6],
  );
  assert.deepEqual(dump(index), [
    [2, 3, ['\\Seen']],
    [4, 11, ['\\Seen']],
    [8, 12, []],
    [9, 13, ['\\Draft', 'Work']],
  ]);
  assert.equal(index.find(6), -1);
  assert.equal(index.lowerBound(5), 2);
  assert.equal(index.lowerBound(100), 4);
  assert.equal(index.flagsText(index.flagIdAt(3)), 'FLAGS (\\Draft Work)');
});

test('flag index: a change pulled twice, or an older one after a newer, leaves the newest state', () => {
  const index = new FlagIndex(columns());
  const newer = { uid: 2, modseq: 20, flags: ['\\Flagged'] };
  index.apply([newer], []);
  index.apply([newer], []);
  index.apply([{ uid: 2, modseq: 15, flags: [] }], []);
  // Below the last UID and absent: expunged earlier, not re-added by a late pull.
  index.apply([{ uid: 5, modseq: 16, flags: [] }], []);
  assert.deepEqual(dump(index)[0], [2, 20, ['\\Flagged']]);
  assert.equal(index.length, 3);
});
