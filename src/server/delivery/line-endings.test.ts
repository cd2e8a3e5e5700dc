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
