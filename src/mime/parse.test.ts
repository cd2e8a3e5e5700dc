/**
 * PartTreeBuilder, the one part-tree state machine, fed one line at a time as StreamingAnalyzer feeds it
 * (only LINE_HEAD_NEEDED first bytes of each line, the whole-buffer loop nowhere in sight) builds the
 * tree and header fields parseMessageWithHeaders builds, and tells its source about every part once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { loadFixtures } from './fixtures.test-helper.js';
import { parseHeaderFields } from './header.js';
import {
  LINE_HEAD_NEEDED,
  type PartHeader,
  PartTreeBuilder,
  type PartTreeSource,
  parseMessageWithHeaders,
} from './parse.js';
import { mimeSoup } from './soup.test-helper.js';
import type { MimePart } from './types.js';

function lineByLine(raw: Buffer) {
  const read: MimePart[] = [];
  const closed: MimePart[] = [];
  const fieldsOf = new Map<MimePart, PartHeader['fields']>();
  const source: PartTreeSource = {
    readHeader: (part, headerEnd) => {
      // A copy of just the header, as a stream would keep it; fields rebased onto the message.
      const bytes = Buffer.from(raw.subarray(part.headerStart, Math.max(part.headerStart, headerEnd)));
      return { bytes, fields: parseHeaderFields(bytes, 0, bytes.length) };
    },
    lineBreakBefore: () => {
      const pos = builder.pos;
      if (raw[pos - 1] !== 0x0a) return 0;
      return raw[pos - 2] === 0x0d ? 2 : 1;
    },
    headerRead: (part, header) => {
      read.push(part);
      const base = part.headerStart;
      fieldsOf.set(
        part,
        header.fields.map((f) => ({
          ...f,
          start: f.start + base,
          end: f.end + base,
          valueStart: f.valueStart + base,
          valueEnd: f.valueEnd + base,
        })),
      );
    },
    partClosed: (part) => closed.push(part),
  };
  const builder = new PartTreeBuilder(source);
  for (let pos = 0; pos < raw.length; ) {
    const nl = raw.indexOf(10, pos);
    const lineEnd = nl < 0 ? raw.length : nl + 1;
    const head = Buffer.from(raw.subarray(pos, Math.min(lineEnd, pos + LINE_HEAD_NEEDED)));
    builder.line(head, 0, head.length, lineEnd, nl >= 0);
    pos = lineEnd;
  }
  builder.end(raw.length);
  return { root: builder.root, fieldsOf, read, closed };
}

function allParts(root: MimePart): MimePart[] {
  const out: MimePart[] = [];
  const walk = (part: MimePart): void => {
    out.push(part);
    for (const child of part.children) walk(child);
    if (part.message) walk(part.message);
  };
  walk(root);
  return out;
}

function assertSame(raw: Buffer, label: string): void {
  const whole = parseMessageWithHeaders(raw);
  const fed = lineByLine(raw);
  assert.deepEqual(fed.root, whole.root, label);
  const parts = allParts(fed.root);
  const wholeParts = allParts(whole.root);
  assert.deepEqual(fed.read, parts, `${label}: every header read once, depth-first`);
  assert.equal(new Set(fed.closed).size, parts.length, `${label}: every part closed once`);
  assert.equal(fed.closed.length, parts.length, label);
  for (const [i, part] of parts.entries()) {
    assert.deepEqual(fed.fieldsOf.get(part), whole.headers.get(wholeParts[i] as MimePart), label);
  }
}

describe('PartTreeBuilder fed line by line = parseMessageWithHeaders', () => {
  it('on every fixture in test/fixtures/mime', () => {
    const fixtures = loadFixtures();
    assert.ok(fixtures.length > 0);
    for (const f of fixtures) assertSame(f.raw, f.name);
  });

  it('with the longest boundary (70 characters of 3 UTF-8 bytes) and lines longer than the head', () => {
    const b = '€'.repeat(70); // 70 UTF-16 units, 210 bytes
    const long = 'x'.repeat(3 * LINE_HEAD_NEEDED);
    const raw = Buffer.from(
      `MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="${b}"\r\n\r\n` +
        `--${b}${long}\r\nContent-Type: text/plain\r\n\r\n--${long}\r\n` +
        `--${b}\r\n\r\nsecond\r\n--${b}--${long}\r\nepilogue\r\n`,
    );
    assertSame(raw, 'long boundary');
    const root = parseMessageWithHeaders(raw).root;
    assert.equal(root.children.length, 2);
  });

  it('on MIME-ish line soup (fast-check)', () => {
    fc.assert(
      fc.property(mimeSoup, (raw) => assertSame(raw, 'soup')),
      { numRuns: 300 },
    );
  });
});
