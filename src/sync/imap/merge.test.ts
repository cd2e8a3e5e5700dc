import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagDelta, mergeFlags, sameFlags, splitServerFlags } from './merge.js';

test('mergeFlags: one side changed takes that side; both changed: the server wins', () => {
  const cases: Array<[string[], string[], string[], string[]]> = [
    // base, local, server → result
    [[], ['\\Seen'], [], ['\\Seen']],
    [[], [], ['\\Seen'], ['\\Seen']],
    [['\\Seen'], [], ['\\Seen'], []],
    [['\\Seen'], ['\\Seen', '\\Flagged'], [], ['\\Flagged']],
    [['\\Flagged'], [], ['\\Flagged', '\\Seen'], ['\\Seen']],
    // Both changed \Flagged, differently: impossible for a boolean unless both set or both cleared.
    [['\\Flagged'], [], [], []],
    [[], ['\\Flagged', '\\Answered'], ['\\Flagged', '\\Seen'], ['\\Answered', '\\Flagged', '\\Seen']],
    [['\\seen'], ['\\Seen'], ['\\SEEN'], ['\\Seen']],
  ];
  for (const [base, local, server, expected] of cases) {
    assert.deepEqual(mergeFlags(base, local, server), expected, JSON.stringify({ base, local, server }));
  }
});

test('splitServerFlags: system flags and $Forwarded go in the file name, other keywords to the state', () => {
  assert.deepEqual(splitServerFlags(['\\Seen', '$Forwarded', 'Work', '\\Recent', '$label1']), {
    system: ['$Forwarded', '\\Seen'],
    keywords: ['$label1', 'Work'],
  });
});

test('flagDelta / sameFlags are case-insensitive', () => {
  assert.deepEqual(flagDelta(['\\Seen', '\\Draft'], ['\\seen', '\\Flagged']), {
    add: ['\\Flagged'],
    remove: ['\\Draft'],
  });
  assert.ok(sameFlags(['\\SEEN'], ['\\Seen']));
  assert.ok(!sameFlags([], ['\\Seen']));
});
