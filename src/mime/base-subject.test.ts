import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseSubject } from './base-subject.js';

test('baseSubject: RFC 5256 §2.1 examples and edge cases', () => {
  const cases: [string, string, boolean][] = [
    ['Hello', 'Hello', false],
    ['Re: Hello', 'Hello', true],
    ['RE:Hello', 'Hello', true],
    ['re: re: Re[2]: Hello', 'Hello', true],
    ['Re [foo]: Hello', 'Hello', true],
    ['Fwd: Hello', 'Hello', true],
    ['Fw: Hello', 'Hello', true],
    ['Hello (fwd)', 'Hello', true],
    ['Hello (fwd) (FWD)  ', 'Hello', true],
    ['[list] Hello', 'Hello', false],
    ['[list] Re: [list] Hello', 'Hello', true],
    ['[list]', '[list]', false],
    ['[Fwd: Re: Hello]', 'Hello', true],
    ['[fwd: [fwd: Hello (fwd)]]', 'Hello', true],
    ['  Hello\t \t world  ', 'Hello world', false],
    ['Re:', '', true],
    ['', '', false],
    ['Reply: x', 'Reply: x', false],
    ['[a][b] Re: x', 'x', true],
    ['[a] [b] x', 'x', false],
  ];
  for (const [raw, subject, replyOrForward] of cases) {
    assert.deepEqual(baseSubject(raw), { subject, replyOrForward }, JSON.stringify(raw));
  }
});
