import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REPLAY_SEEDS, randomChunks } from './random-chunks.test-util.js';
import { TopFilter } from './top-filter.js';

function top(message: string, lines: number, seed: number): string {
  const filter = new TopFilter(lines);
  const out: Buffer[] = [];
  for (const chunk of randomChunks(Buffer.from(message), seed, 5)) {
    out.push(filter.push(chunk));
    if (filter.done) break;
  }
  return Buffer.concat(out).toString();
}

const message = 'From: a\r\nSubject: b\r\n\r\nline1\r\nline2\nline3\r\n';

test('header, blank line and n body lines (RFC 1939 7), for every chunking', () => {
  for (const seed of REPLAY_SEEDS) {
    assert.equal(top(message, 0, seed), 'From: a\r\nSubject: b\r\n\r\n');
    assert.equal(top(message, 1, seed), 'From: a\r\nSubject: b\r\n\r\nline1\r\n');
    assert.equal(top(message, 2, seed), 'From: a\r\nSubject: b\r\n\r\nline1\r\nline2\n');
    assert.equal(top(message, 99, seed), message);
    assert.equal(top('From: a\n\nbody', 5, seed), 'From: a\n\nbody');
    assert.equal(top('From: a\r\nno body', 0, seed), 'From: a\r\nno body');
    assert.equal(top('\r\nbody\r\n', 0, seed), '\r\n');
  }
});
