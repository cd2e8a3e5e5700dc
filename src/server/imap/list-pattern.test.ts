import assert from 'node:assert/strict';
import { test } from 'node:test';
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

test('LIST patterns: pathological wildcards stay fast', () => {
  const name = 'a'.repeat(1000);
  const start = process.hrtime.bigint();
  assert.equal(new ListPattern(`${'*a'.repeat(200)}b`).matches(name), false);
  assert.ok(process.hrtime.bigint() - start < 5_000_000_000n);
});

test('LIST reference joins with the pattern unless the pattern is absolute', () => {
  assert.equal(joinReference('', '*'), '*');
  assert.equal(joinReference('INBOX/', '%'), 'INBOX/%');
  assert.equal(joinReference('foo', '/bar'), '/bar');
});
