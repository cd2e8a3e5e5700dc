import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeUtf7, encodeUtf7, isValidUtf7 } from './utf7.js';

describe('modified UTF-7 (RFC 3501 §5.1.3)', () => {
  const pairs: [string, string][] = [
    ['INBOX', 'INBOX'],
    ['&', '&-'],
    ['a&b', 'a&-b'],
    ['Entwürfe', 'Entw&APw-rfe'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
    ['Éléments envoyés', '&AMk-l&AOk-ments envoy&AOk-s'],
    ['😀', '&2D3eAA-'],
    ['Отправленные', '&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-'],
  ];
  for (const [text, wire] of pairs) {
    it(`${text} ⇄ ${wire}`, () => {
      assert.equal(encodeUtf7(text), wire);
      assert.equal(decodeUtf7(wire), text);
    });
  }

  const invalid = [
    '&', // unterminated
    '&Jjo', // unterminated
    '&Jjo!-', // bad base64 char
    '&AGE-', // encodes printable "a"
    '&AOQ-&AOQ-', // adjacent runs must be one
    '&2D0-', // lone high surrogate
    '&3gA-', // lone low surrogate
    '&AOR-', // non-zero pad bits
    '&AOQAA-', // leftover 6+ bits
    'caf\u00e9', // 8-bit
    'a\u0000b', // NUL
    'a\tb', // control
  ];
  for (const wire of invalid) {
    it(`rejects ${JSON.stringify(wire)}`, () => {
      assert.throws(() => decodeUtf7(wire));
      assert.equal(isValidUtf7(wire), false);
    });
  }

  it('property: encode → decode round-trips for well-formed Unicode', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        const wire = encodeUtf7(s);
        assert.match(wire, /^[\x20-\x7e]*$/);
        assert.equal(decodeUtf7(wire), s);
      }),
      { numRuns: 300 },
    );
  });

  it('property: decoding arbitrary printable text never throws anything but Utf7Error', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x20-\x7e]{0,30}$/), (s) => {
        try {
          const text = decodeUtf7(s);
          // Whatever decodes must re-encode to the same canonical wire form.
          assert.equal(encodeUtf7(text), s);
        } catch (err) {
          assert.equal((err as Error).name, 'Utf7Error');
        }
      }),
      { numRuns: 500 },
    );
  });
});
