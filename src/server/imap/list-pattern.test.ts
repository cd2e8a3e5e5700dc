import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertLinear, measureWork } from '../../lib/work-meter.test-helper.js';
import { joinReference, ListPattern } from './list-pattern.js';

test('LIST patterns: * crosses levels, % does not, INBOX is case-insensitive', () => {
  const cases: [string, string, boolean][] = [
    ['*', 'a/b', true],
    ['%', 'a/b', false],
    ['%', 'a', true],
    ['a/%', 'a/b', true],
    ['a/%', 'a/b/c', false],
    ['a/*', 'a/b/c', true],
    ['inbox', 'INBOX', true],
    ['in%', 'INBOX', true],
    ['inbox/%', 'INBOX/x', true],
    ['Inbox/X', 'INBOX/x', false],
    ['%/%', 'a/b', true],
    ['a%/c', 'ab/c', true],
    ['', 'a', false],
  ];
  for (const [pattern, name, expected] of cases) {
    assert.equal(new ListPattern(pattern).matches(name), expected, `${pattern} vs ${name}`);
  }
});

test('LIST patterns: pathological wildcards cost work linear in the name, not exponential', async () => {
  // Counted, not timed (work-meter.test-helper): a backtracking matcher would not finish here at all; a
  // polynomial but superlinear one would more than double its work when the name doubles.
  const pattern = new ListPattern(`${'*a'.repeat(200)}b`);
  const work = (length: number) => {
    const name = 'a'.repeat(length);
    return measureWork(() => assert.equal(pattern.matches(name), false), /\/list-pattern\.js$/);
  };
  const small = await work(1000);
  assertLinear(small, await work(2000), 'ListPattern.matches');
  // One table cell per (name character, pattern character), a few blocks each.
  assert.ok(small < 10 * 1000 * 401, `${small} steps for a 1000 × 401 table`);
});

test('LIST reference joins with the pattern unless the pattern is absolute', () => {
  assert.equal(joinReference('', '*'), '*');
  assert.equal(joinReference('INBOX/', '%'), 'INBOX/%');
  assert.equal(joinReference('foo', '/bar'), '/bar');
});
