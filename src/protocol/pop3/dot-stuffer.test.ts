import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import fc from 'fast-check';
import { DotStuffer, DotStuffTransform, dotStuff } from './dot-stuffer.js';
import { REPLAY_SEEDS, randomChunks } from './random-chunks.test-util.js';

function stuffChunked(input: Buffer, seed: number, chunkMax = 64): Buffer {
  const stuffer = new DotStuffer();
  const out = randomChunks(input, seed, chunkMax).map((c) => stuffer.push(c));
  return Buffer.concat([...out, stuffer.end()]);
}

/** What a client does (RFC 1939 3): split at CRLF until the lone ".", strip one leading dot. */
function unstuff(wire: Buffer): Buffer {
  const text = wire.toString('latin1');
  assert.ok(text.endsWith('\r\n.\r\n') || text === '.\r\n', 'terminated by .CRLF');
  const lines = text.slice(0, -3).split('\r\n');
  lines.pop();
  return Buffer.from(
    lines.map((l) => (l.startsWith('.') ? l.slice(1) : l)).join('\r\n') + (lines.length ? '\r\n' : ''),
    'latin1',
  );
}

/** The message as it must arrive: bare LF as CRLF, and a final CRLF. */
function normalised(input: Buffer): Buffer {
  let text = input.toString('latin1').replace(/\r?\n/g, '\r\n');
  if (text !== '' && !text.endsWith('\r\n')) text += text.endsWith('\r') ? '\n' : '\r\n';
  return Buffer.from(text, 'latin1');
}

const cases: Array<[string, string]> = [
  ['', '.\r\n'],
  ['a\r\n', 'a\r\n.\r\n'],
  ['a', 'a\r\n.\r\n'],
  ['.\r\n', '..\r\n.\r\n'],
  ['..x\r\n.\r\n', '...x\r\n..\r\n.\r\n'],
  ['a\n.b\nc', 'a\r\n..b\r\nc\r\n.\r\n'],
  ['a\r.b\r\n', 'a\r.b\r\n.\r\n'],
  ['end\r', 'end\r\n.\r\n'],
  ['\n\n', '\r\n\r\n.\r\n'],
];

test('stuffs, normalises and terminates, for every chunking', () => {
  for (const [input, expected] of cases) {
    assert.equal(dotStuff(Buffer.from(input)).toString('latin1'), expected, JSON.stringify(input));
    for (const seed of REPLAY_SEEDS) {
      assert.equal(
        stuffChunked(Buffer.from(input), seed, 3).toString('latin1'),
        expected,
        `${JSON.stringify(input)} seed ${seed}`,
      );
    }
  }
});

test('returns the same buffer when nothing needs changing', () => {
  const chunk = Buffer.from('Subject: x\r\n\r\nhello\r\n');
  assert.equal(new DotStuffer().push(chunk), chunk);
});

test('the Transform gives the same bytes as the core', async () => {
  const input = Buffer.from('.a\n..b\r\n\r\n.\r\nlast'.repeat(500));
  const out: Buffer[] = [];
  await pipeline(Readable.from(randomChunks(input, 9, 100)), new DotStuffTransform(), async (source) => {
    for await (const chunk of source) out.push(chunk as Buffer);
  });
  assert.deepEqual(Buffer.concat(out), dotStuff(input));
});

test('property: never throws; unstuffing gives back the normalised message for any chunking', () => {
  const bytes = fc.array(fc.constantFrom(0x2e, 0x0d, 0x0a, 0x41, 0x00, 0xff), { maxLength: 300 });
  fc.assert(
    fc.property(
      fc.oneof(
        bytes,
        fc.uint8Array({ maxLength: 300 }).map((a) => [...a]),
      ),
      fc.integer(),
      (arr, seed) => {
        const input = Buffer.from(arr);
        const wire = stuffChunked(input, seed, 7);
        assert.deepEqual(wire, dotStuff(input));
        assert.deepEqual(unstuff(wire), normalised(input));
      },
    ),
    { numRuns: 1000 },
  );
});
