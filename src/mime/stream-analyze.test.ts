/**
 * The streaming analyzer gives exactly analyzeMessage's IngestMeta: every fixture, the Dovecot corpora
 * and fast-check soups, replayed in random chunk sizes (including 1-byte chunks and CR/LF splits).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { analyzeMessage } from './analyze.js';
import { FIXTURE_DIR, loadFixtures } from './fixtures.test-helper.js';
import { mimeSoup } from './soup.test-helper.js';
import { StreamingAnalyzer } from './stream-analyze.js';

/** A small deterministic PRNG so failures replay. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

function streamed(raw: Buffer, next: () => number, maxChunk: number) {
  const analyzer = new StreamingAnalyzer();
  for (let pos = 0; pos < raw.length; ) {
    const n = 1 + Math.floor(next() * maxChunk);
    analyzer.push(raw.subarray(pos, pos + n));
    pos += n;
  }
  return analyzer.finish();
}

function assertSame(raw: Buffer, label: string, seed: number): void {
  const expected = analyzeMessage(raw);
  const next = rng(seed);
  for (const maxChunk of [1, 3, 17, 256, 4096, raw.length + 1]) {
    const got = streamed(raw, next, maxChunk);
    assert.ok(got, `${label}: the streaming analysis gave up (chunks ≤ ${maxChunk})`);
    assert.deepEqual(got, expected, `${label} (chunks ≤ ${maxChunk}, seed ${seed})`);
  }
}

describe('StreamingAnalyzer = analyzeMessage', () => {
  it('keeps no NUL in the derived texts (PostgreSQL text and IMAP strings cannot hold one)', () => {
    const raw = Buffer.from(
      'Subject: a\0b\r\nFrom: x@y.example\r\nContent-Type: text/plain\r\n\r\nbody\0text\r\n',
      'latin1',
    );
    assertSame(raw, 'NUL in header and body', 5);
    const meta = analyzeMessage(raw);
    for (const field of ['preview', 'headerText', 'bodyText'] as const) {
      assert.ok(!meta[field].includes('\0'), field);
      assert.ok(meta[field].includes('\uFFFD'), `${field}: ${JSON.stringify(meta[field])}`);
    }
  });

  it('on every fixture in test/fixtures/mime, in random chunk sizes', () => {
    const fixtures = loadFixtures();
    assert.ok(fixtures.length > 0);
    for (const [i, f] of fixtures.entries()) assertSame(f.raw, f.name, 1000 + i);
  });

  for (const file of ['random-corpus.dovecot.json', 'structured-corpus.dovecot.json']) {
    const path = join(FIXTURE_DIR, file);
    it(`on every message of ${file}`, { skip: !existsSync(path) }, () => {
      const corpus = JSON.parse(readFileSync(path, 'utf8')) as { messages: Array<{ raw: string }> };
      for (const [i, m] of corpus.messages.entries()) {
        assertSame(Buffer.from(m.raw, 'latin1'), `${file}#${i}`, 7 + i);
      }
    });
  }

  it('on MIME-ish line soup (fast-check)', () => {
    fc.assert(
      fc.property(mimeSoup, fc.integer({ min: 1, max: 1 << 30 }), (raw, seed) => {
        assertSame(raw, 'soup', seed);
      }),
      { numRuns: 300 },
    );
  });

  it('an empty message and a message without a line break', () => {
    assertSame(Buffer.alloc(0), 'empty', 1);
    assertSame(Buffer.from('Subject: x'), 'no newline', 2);
    assertSame(Buffer.from('\r'), 'lone CR', 3);
  });

  it('gives up (null) when the headers exceed their bound, and push/finish never throw', () => {
    const analyzer = new StreamingAnalyzer();
    const line = Buffer.from(`X-Pad: ${'x'.repeat(1000)}\r\n`);
    for (let i = 0; i < 5000; i++) analyzer.push(line);
    assert.equal(analyzer.finish(), null);
    assert.equal(analyzer.finish(), null);
  });
});

describe('StreamingAnalyzer = analyzeMessage on big text parts (bodyText and preview budgets)', () => {
  it('several large text/plain, text/html, base64 and QP parts and a forwarded message', () => {
    const next = rng(42);
    const words = (n: number) => {
      let s = '';
      while (s.length < n)
        s += `${['alpha', 'beta', 'gamma', '> quote', 'caf\u00e9', '&amp;'][Math.floor(next() * 6)]} `;
      return s;
    };
    const wrap = (s: string) => s.replace(/(.{1,76})/g, '$1\r\n');
    const parts = [
      `Content-Type: text/html; charset=utf-8\r\n\r\n${wrap(`<p>${words(120_000)}</p>`)}`,
      `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${wrap(Buffer.from(words(300_000)).toString('base64'))}`,
      `Content-Type: message/rfc822\r\n\r\nSubject: inner\r\nContent-Type: text/plain\r\n\r\n${wrap(words(100_000))}`,
      `Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${wrap(words(200_000).replace(/é/g, '=E9'))}`,
      `Content-Type: application/octet-stream\r\n\r\n${wrap('x'.repeat(50_000))}`,
    ];
    const raw = Buffer.from(
      `Subject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\npreamble\r\n${parts
        .map((p) => `--zz\r\n${p}`)
        .join('\r\n')}\r\n--zz--\r\nepilogue\r\n`,
      'utf8',
    );
    assertSame(raw, 'big parts', 9);
    for (const order of [
      [2, 0],
      [1, 3],
      [4, 0],
    ]) {
      const sub = Buffer.from(
        `MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=zz\r\n\r\n${order
          .map((i) => `--zz\r\n${parts[i]}`)
          .join('\r\n')}\r\n--zz--\r\n`,
        'utf8',
      );
      assertSame(sub, `parts ${order}`, 10 + order[0]!);
    }
  });
});
