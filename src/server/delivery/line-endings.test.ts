import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { countBareLineFeeds, toCrlf } from './line-endings.js';

test('bare LF becomes CRLF; CRLF and lone CR stay', () => {
  assert.equal(toCrlf(Buffer.from('a\nb\r\nc\rd\n')).toString(), 'a\r\nb\r\nc\rd\r\n');
  assert.equal(toCrlf(Buffer.from('\n\n')).toString(), '\r\n\r\n');
  assert.equal(countBareLineFeeds(Buffer.from('x\r\ny\n')), 1);
});

test('CRLF-only input is returned as is (no copy)', () => {
  const input = Buffer.from('Subject: x\r\n\r\nbody\r\n');
  assert.equal(toCrlf(input), input);
});

test('property: output has no bare LF and removing the added CRs gives the input back', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      const input = Buffer.from(bytes);
      const out = toCrlf(input);
      assert.equal(countBareLineFeeds(out), 0);
      assert.equal(out.length, input.length + countBareLineFeeds(input));
      assert.equal(toCrlf(out), out);
    }),
  );
});

test('CrlfNormalizer / crlfTransform: chunked output is exactly toCrlf of the whole (CR at a chunk end too)', async () => {
  const { CrlfNormalizer, crlfTransform } = await import('./line-endings.js');
  const { Readable } = await import('node:stream');
  assert.equal(
    Buffer.concat(['a\r', '\nb', '\n', '\r', 'x\n'].map((s) => Buffer.from(s))).toString(),
    'a\r\nb\n\rx\n',
  );
  const n = new CrlfNormalizer();
  const out = ['a\r', '\nb', '\n', '\r', 'x\n'].map((s) => n.push(Buffer.from(s)).toString()).join('');
  assert.equal(out, 'a\r\nb\r\n\rx\r\n');
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b.map((x) => [10, 13, 65][x % 3] as number))),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
      async (input, sizes) => {
        const chunks: Buffer[] = [];
        for (let pos = 0, i = 0; pos < input.length; i++) {
          const size = sizes[i % sizes.length] as number;
          chunks.push(input.subarray(pos, pos + size));
          pos += size;
        }
        const normalizer = new CrlfNormalizer();
        const expected = toCrlf(input);
        assert.deepEqual(Buffer.concat(chunks.map((c) => normalizer.push(c))), expected);
        const piped: Buffer[] = [];
        for await (const c of Readable.from(chunks).pipe(crlfTransform())) piped.push(c as Buffer);
        assert.deepEqual(Buffer.concat(piped), expected);
      },
    ),
    { numRuns: 200 },
  );
});
