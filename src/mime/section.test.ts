import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { binarySize, decodeSectionForBinary } from './binary.js';
import { parseMessage } from './parse.js';
import { applyPartial, filterHeaderFields, resolveSection, sectionBytes } from './section.js';
import { deserializeStructure, serializeStructure } from './structure-json.js';
import type { SectionSpec } from './types.js';

const crlf = (s: string): Buffer => Buffer.from(s.replace(/\n/g, '\r\n'), 'utf8');

const MESSAGE = crlf(`From: a@example.com
Subject: sections
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

caf=C3=A9
--x
Content-Type: message/rfc822

Subject: inner
From: b@example.com

inner body
--x
Content-Type: application/octet-stream
Content-Transfer-Encoding: x-unknown

???
--x--
`);

function fetch(spec: SectionSpec): string {
  const tree = deserializeStructure(serializeStructure(parseMessage(MESSAGE)));
  return sectionBytes(MESSAGE, resolveSection(tree, spec)).toString('utf8');
}

describe('sections (RFC 9051 §6.4.5)', () => {
  it('addresses parts, MIME headers and encapsulated messages', () => {
    assert.equal(fetch({ part: [1], kind: '' }), 'caf=C3=A9');
    assert.equal(
      fetch({ part: [1], kind: 'MIME' }),
      'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n',
    );
    assert.equal(fetch({ part: [2], kind: 'HEADER' }), 'Subject: inner\r\nFrom: b@example.com\r\n\r\n');
    assert.equal(fetch({ part: [2], kind: 'TEXT' }), 'inner body');
    assert.equal(fetch({ part: [2, 1], kind: '' }), 'inner body');
    assert.equal(
      fetch({ part: [2], kind: 'HEADER.FIELDS', fields: ['FROM'] }),
      'From: b@example.com\r\n\r\n',
    );
    assert.equal(
      fetch({ part: [], kind: 'HEADER.FIELDS.NOT', fields: ['content-type', 'from'] }),
      'Subject: sections\r\n\r\n',
    );
  });
  it('answers empty for parts that do not exist or are not messages', () => {
    assert.equal(fetch({ part: [4], kind: '' }), '');
    assert.equal(fetch({ part: [1], kind: 'HEADER' }), '');
    assert.equal(fetch({ part: [2, 2], kind: '' }), '');
    assert.equal(fetch({ part: [], kind: 'MIME' }), '');
  });
  it('decodes for BINARY and refuses unknown encodings', () => {
    const tree = parseMessage(MESSAGE);
    const one = resolveSection(tree, { part: [1], kind: '' });
    assert.equal(one.kind, 'range');
    if (one.kind !== 'range') return;
    const bytes = sectionBytes(MESSAGE, one);
    assert.equal(decodeSectionForBinary(bytes, one.part)?.toString('utf8'), 'café');
    assert.equal(binarySize(bytes, one.part), 5);
    const three = resolveSection(tree, { part: [3], kind: '' });
    if (three.kind !== 'range') return assert.fail();
    assert.equal(decodeSectionForBinary(sectionBytes(MESSAGE, three), three.part), null);
    const whole = resolveSection(tree, { part: [], kind: '' });
    if (whole.kind !== 'range') return assert.fail();
    assert.equal(decodeSectionForBinary(sectionBytes(MESSAGE, whole), whole.part, 0), null);
  });
  it('partial ranges and header filtering', () => {
    assert.equal(applyPartial(Buffer.from('0123456789'), 2, 3).toString(), '234');
    assert.equal(applyPartial(Buffer.from('0123'), 10, 3).length, 0);
    const header = crlf('A: 1\nB: 2\n folded\nC: 3\n\n');
    assert.equal(filterHeaderFields(header, ['b'], false).toString(), 'B: 2\r\n folded\r\n\r\n');
    assert.equal(filterHeaderFields(header, ['b'], true).toString(), 'A: 1\r\nC: 3\r\n\r\n');
  });
});
