import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dotStuff } from './dot-stuffer.js';
import { DotUnstuffer } from './dot-unstuffer.js';
import { REPLAY_SEEDS, randomChunks } from './random-chunks.test-util.js';

function unstuffChunked(wire: Buffer, seed: number): { body: Buffer; rest: Buffer } {
  const unstuffer = new DotUnstuffer();
  const body: Buffer[] = [];
  let rest = Buffer.alloc(0);
  for (const chunk of randomChunks(wire, seed, 16)) {
    const result = unstuffer.push(chunk);
    body.push(...result.body);
    if (result.done) rest = Buffer.concat([rest, result.rest]);
  }
  assert.ok(unstuffer.done, 'terminator seen');
  return { body: Buffer.concat(body), rest };
}

const cases: Array<[string, string]> = [
  ['.\r\n', ''],
  ['a\r\n.\r\n', 'a\r\n'],
  ['..\r\n.\r\n', '.\r\n'],
  ['...x\r\n..\r\n.\r\n', '..x\r\n.\r\n'],
  ['a\r\n..b\r\nc\r\n.\r\n', 'a\r\n.b\r\nc\r\n'],
  ['.\rx\r\n.\r\n', '\rx\r\n'],
  ['a\n.\n', 'a\n'],
  ['x.\r\n.y\r\n.\r\n', 'x.\r\ny\r\n'],
];

test('DotUnstuffer: table, replayed in random chunk sizes, with what follows the terminator kept', () => {
  for (const [wire, body] of cases) {
    for (const seed of REPLAY_SEEDS) {
      const result = unstuffChunked(Buffer.from(`${wire}+OK next\r\n`, 'latin1'), seed);
      assert.equal(result.body.toString('latin1'), body, `${JSON.stringify(wire)} seed ${seed}`);
      assert.equal(result.rest.toString('latin1'), '+OK next\r\n');
    }
  }
});

test('DotUnstuffer undoes DotStuffer for any CRLF body', () => {
  const line = fc.stringMatching(/^[.a-z \r]{0,12}$/).filter((l) => !l.endsWith('\r'));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 12 }), fc.integer({ min: 1, max: 1000 }), (lines, seed) => {
      const body = Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'latin1');
      assert.deepEqual(unstuffChunked(dotStuff(body), seed).body, body);
    }),
  );
});

test('DotUnstuffer without the terminator is not done, and never loses bytes', () => {
  const unstuffer = new DotUnstuffer();
  const result = unstuffer.push(Buffer.from('a\r\n..b\r\n.'));
  assert.equal(result.done, false);
  assert.equal(Buffer.concat(result.body).toString(), 'a\r\n.b\r\n');
});
