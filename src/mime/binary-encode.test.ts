import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSectionForBinary } from './binary.js';
import { encodeBinaryParts } from './binary-encode.js';
import { parseMessage } from './parse.js';
import { findPart } from './section.js';

const BINARY_BODY = Buffer.from([0x00, 0x2d, 0xe4, 0x0a, 0x0d, 0x0a, 0x0a]);
const head =
  'From: user@domain.org\r\nMime-Version: 1.0\r\nContent-Type: application/octet-stream\r\n' +
  'Content-Transfer-Encoding: binary\r\n\r\n';

/** BINARY[part] of a message, as FETCH computes it. */
function binaryPart(raw: Buffer, part: number[]): Buffer {
  const root = parseMessage(raw);
  const leaf = findPart(root, part);
  assert.ok(leaf);
  return decodeSectionForBinary(raw.subarray(leaf.bodyStart, leaf.bodyEnd), leaf) as Buffer;
}

describe('encodeBinaryParts', () => {
  it('stores a declared binary part as base64 and BINARY gives the bytes sent back (imaptest append-binary)', () => {
    const raw = Buffer.concat([Buffer.from(head), BINARY_BODY]);
    const stored = encodeBinaryParts(raw);
    assert.equal(
      stored.toString('latin1'),
      `${head.replace('Content-Transfer-Encoding: binary', 'Content-Transfer-Encoding: base64')}AC3kCg0KCg==`,
    );
    assert.equal(stored.indexOf(0), -1);
    assert.deepEqual(binaryPart(stored, [1]), BINARY_BODY);
  });

  it('keeps a message with nothing to encode byte for byte (same Buffer), bare LFs included', () => {
    const raw = Buffer.from('Subject: x\nContent-Transfer-Encoding: 8bit\n\nline\nline\xe4\n', 'latin1');
    assert.equal(encodeBinaryParts(raw), raw);
  });

  it('in a multipart, encodes only the parts that need it; boundaries and the other parts stay', () => {
    const raw = Buffer.concat([
      Buffer.from(
        'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplain text\r\n' +
          '--b\r\nContent-Type: application/x-bin\r\nContent-Transfer-Encoding: BINARY\r\n\r\n',
      ),
      BINARY_BODY,
      Buffer.from('\r\n--b\r\nContent-Type: text/plain\r\n\r\nnul \0 inside\r\n--b--\r\n'),
    ]);
    const declared = encodeBinaryParts(raw);
    const text = declared.toString('latin1');
    assert.match(text, /\r\n\r\nplain text\r\n--b\r\nContent-Type: application\/x-bin\r\n/);
    assert.match(text, /Content-Transfer-Encoding: base64\r\n\r\nAC3kCg0KCg==\r\n--b\r\n/);
    // A NUL makes a part unsendable whatever it declares; the field is added where there was none.
    assert.match(
      text,
      /Content-Type: text\/plain\r\nContent-Transfer-Encoding: base64\r\n\r\nbnVsIAAgaW5zaWRl\r\n--b--/,
    );
    assert.deepEqual(binaryPart(declared, [2]), BINARY_BODY);
    assert.deepEqual(binaryPart(declared, [3]), Buffer.from('nul \0 inside'));
    assert.equal(declared.indexOf(0), -1);
  });

  it('wraps base64 at 76 characters', () => {
    const raw = Buffer.concat([Buffer.from(head), Buffer.alloc(100, 0)]);
    const body = encodeBinaryParts(raw).toString('latin1').slice(head.length);
    assert.deepEqual(
      body.split('\r\n').map((l) => l.length),
      [76, 60],
    );
  });
});
