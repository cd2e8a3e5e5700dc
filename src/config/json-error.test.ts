import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { findJsonSyntaxProblem } from './json-error.js';

test('names the line and column of the first syntax problem', () => {
  const cases: Array<[string, number, number, RegExp]> = [
    ['{\n  "a": 1,\n}', 3, 1, /trailing commas/],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3, /expected ',' or '}', found '"'/],
    ['{"a": tru}', 1, 7, /expected a value, found 't'/],
    ['{', 1, 2, /expected a "quoted" key, found the end of the file/],
    ['', 1, 1, /expected a value/],
    ['{"listeners": {"imap": {"port": 01}}}', 1, 34, /expected ',' or '}', found '1'/],
    ["{'a': 1}", 1, 2, /expected a "quoted" key, found '''/],
    ['{"a": "line\nbreak"}', 1, 12, /control character inside a string/],
    ['{} {}', 1, 4, /after the end/],
  ];
  for (const [text, line, column, problem] of cases) {
    const found = findJsonSyntaxProblem(text);
    assert.ok(found, text);
    assert.deepEqual([found.line, found.column], [line, column], text);
    assert.match(found.problem, problem, text);
  }
});

test('agrees with JSON.parse on what is valid', () => {
  fc.assert(
    fc.property(fc.json(), (text) => {
      assert.equal(findJsonSyntaxProblem(text), null);
    }),
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 30 }), (text) => {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      assert.equal(findJsonSyntaxProblem(text) === null, valid, JSON.stringify(text));
    }),
  );
});
