/**
 * Property tests (fast-check): whatever the bytes, the MIME engine never throws, offsets stay inside the
 * message and nest properly, and generated messages come back with exactly the structure they were built from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeMessage } from './analyze.js';
import { decodeSectionForBinary } from './binary.js';
import { parseMessage } from './parse.js';
import { resolveSection, sectionBytes } from './section.js';
import { deserializeStructure, serializeStructure } from './structure-json.js';
import { type MimePart, PART_MESSAGE, PART_MULTIPART } from './types.js';

const RUNS = 150;

function checkOffsets(part: MimePart, lo: number, hi: number, depth = 0): void {
  assert.ok(depth <= 210, 'nesting bounded');
  assert.ok(lo <= part.headerStart && part.headerStart <= part.bodyStart, 'header inside parent');
  assert.ok(part.bodyStart <= part.bodyEnd && part.bodyEnd <= hi, 'body inside parent');
  assert.ok(part.bodyLines >= 0);
  for (const child of part.children) checkOffsets(child, part.bodyStart, part.bodyEnd, depth + 1);
  if (part.message) checkOffsets(part.message, part.bodyStart, part.bodyEnd, depth + 1);
}

function exerciseEverything(raw: Buffer): void {
  const meta = analyzeMessage(raw);
  assert.equal(typeof meta.envelope, 'string');
  assert.ok(meta.bodyStructure.startsWith('(') && meta.bodyStructure.endsWith(')'));
  assert.ok(meta.preview.length <= 200);
  const tree = parseMessage(raw);
  checkOffsets(tree, 0, raw.length);
  assert.deepEqual(deserializeStructure(serializeStructure(tree)), tree);
  for (const path of [[], [1], [2], [1, 1], [2, 1], [1, 2, 1]]) {
    for (const kind of ['', 'HEADER', 'TEXT', 'MIME', 'HEADER.FIELDS', 'HEADER.FIELDS.NOT'] as const) {
      const location = resolveSection(tree, { part: path, kind, fields: ['Subject', 'From'] });
      const bytes = sectionBytes(raw, location);
      if (location.kind === 'range') {
        assert.ok(location.start <= location.end && location.end <= raw.length);
        decodeSectionForBinary(bytes, location.part, location.start);
      }
    }
  }
}

// Message-ish text: header-like lines, boundaries, blank lines, encoded words, 8-bit bytes.
const lineArb = fc.oneof(
  fc.constantFrom(
    'Content-Type: multipart/mixed; boundary=a',
    'Content-Type: multipart/alternative; boundary="b"',
    'Content-Type: message/rfc822',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Type: multipart/digest; boundary=a',
    'Content-Transfer-Encoding: base64',
    'Content-Transfer-Encoding: quoted-printable',
    "Content-Disposition: attachment; filename*0*=utf-8''%C3%A9; filename*1=x",
    'From: "A \\"B\\"" <a@b>, group: c@d, e;, (comment) f',
    'Subject: =?utf-8?q?=C3=A9?= =?iso-8859-1?b?6Q==?=',
    ' folded continuation',
    '--a',
    '--a--',
    '--b',
    '--b--',
    '',
    '=C3=A9=\r',
    'aGVsbG8=',
  ),
  fc.string({ maxLength: 40 }),
);

describe('MIME engine properties', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => exerciseEverything(Buffer.from(bytes))),
      { numRuns: RUNS },
    );
  });

  it('never throws on random message-like lines (CRLF, LF and mixed endings)', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 60 }), fc.constantFrom('\r\n', '\n'), (lines, eol) =>
        exerciseEverything(Buffer.from(lines.join(eol), 'utf8')),
      ),
      { numRuns: RUNS },
    );
  });

  it('offsets of a prefix never exceed the prefix (a message cut anywhere)', () => {
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 40 }), fc.nat(), (lines, cut) => {
        const raw = Buffer.from(lines.join('\r\n'), 'utf8');
        const prefix = raw.subarray(0, cut % (raw.length + 1));
        checkOffsets(parseMessage(prefix), 0, prefix.length);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---- generated messages: the tree we get back is the tree we built --------------------------------

type Spec =
  | { kind: 'leaf'; body: string }
  | { kind: 'multipart'; children: Spec[] }
  | { kind: 'message'; inner: Spec };

const bodyArb = fc.array(fc.constantFrom('hello', 'x', '-- not a boundary', '', 'caf\u00e9', '--', 'a=b'), {
  maxLength: 4,
});

const specArb: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec }>((tie) => ({
  spec: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    bodyArb.map((lines): Spec => ({ kind: 'leaf', body: lines.join('\r\n') })),
    fc
      .array(tie('spec'), { minLength: 1, maxLength: 3 })
      .map((children): Spec => ({ kind: 'multipart', children })),
    tie('spec').map((inner): Spec => ({ kind: 'message', inner })),
  ),
})).spec;

let boundaryCounter = 0;
function build(spec: Spec): string {
  switch (spec.kind) {
    case 'leaf':
      return `Content-Type: text/plain\r\n\r\n${spec.body}`;
    case 'message':
      return `Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n${build(spec.inner)}`;
    case 'multipart': {
      const boundary = `=_b${boundaryCounter++}_=`;
      const parts = spec.children.map((c) => `--${boundary}\r\n${build(c)}\r\n`).join('');
      return `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\npreamble\r\n${parts}--${boundary}--\r\nepilogue`;
    }
  }
}

function sameShape(raw: Buffer, part: MimePart, spec: Spec): void {
  switch (spec.kind) {
    case 'leaf':
      assert.equal(part.flags & (PART_MULTIPART | PART_MESSAGE), 0);
      assert.equal(raw.toString('utf8', part.bodyStart, part.bodyEnd), spec.body);
      return;
    case 'message':
      assert.ok(part.flags & PART_MESSAGE && part.message);
      sameShape(raw, part.message as MimePart, spec.inner);
      return;
    case 'multipart':
      assert.ok(part.flags & PART_MULTIPART);
      assert.equal(part.children.length, spec.children.length);
      spec.children.forEach((child, i) => {
        sameShape(raw, part.children[i], child);
      });
  }
}

describe('generated messages', () => {
  it('parse back to the structure they were built from, with exact bodies', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const raw = Buffer.from(`From: a@example.com\r\n${build(spec)}`, 'utf8');
        sameShape(raw, parseMessage(raw), spec);
        exerciseEverything(raw);
      }),
      { numRuns: RUNS },
    );
  });

  it('an encapsulated message parses like the same message on its own', () => {
    fc.assert(
      fc.property(specArb, (spec) => {
        const inner = Buffer.from(`From: a@example.com\r\n${build(spec)}`, 'utf8');
        const wrapped = Buffer.concat([
          Buffer.from('Subject: wrapper\r\nContent-Type: message/rfc822\r\n\r\n'),
          inner,
        ]);
        const alone = analyzeMessage(inner).bodyStructure;
        const outer = analyzeMessage(wrapped).bodyStructure;
        assert.ok(outer.includes(alone), 'wrapper BODYSTRUCTURE embeds the standalone one');
      }),
      { numRuns: 60 },
    );
  });
});
