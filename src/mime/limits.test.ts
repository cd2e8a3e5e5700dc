/** Hostile shapes: very deep nesting and very many parts are bounded, linear and never overflow the stack. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeMessage } from './analyze.js';
import { parseMessage } from './parse.js';
import { deserializeStructure } from './structure-json.js';
import { MAX_NESTING_DEPTH, MAX_PARTS, type MimePart } from './types.js';

function depthOf(root: MimePart): number {
  let max = 0;
  const stack: Array<[MimePart, number]> = [[root, 0]];
  while (stack.length > 0) {
    const [part, depth] = stack.pop() as [MimePart, number];
    max = Math.max(max, depth);
    for (const child of part.children) stack.push([child, depth + 1]);
    if (part.message) stack.push([part.message, depth + 1]);
  }
  return max;
}

function countParts(root: MimePart): number {
  let n = 0;
  const stack: MimePart[] = [root];
  while (stack.length > 0) {
    const part = stack.pop() as MimePart;
    n++;
    stack.push(...part.children);
    if (part.message) stack.push(part.message);
  }
  return n;
}

describe('limits', () => {
  it('handles 10,000 nested multiparts: depth capped, deeper levels opaque', () => {
    const levels = 10000;
    const chunks = ['Subject: deep\r\nContent-Type: multipart/mixed; boundary="b0x"\r\n\r\n'];
    for (let i = 1; i < levels; i++)
      chunks.push(`--b${i - 1}x\r\nContent-Type: multipart/mixed; boundary="b${i}x"\r\n\r\n`);
    chunks.push(`--b${levels - 1}x\r\nContent-Type: text/plain\r\n\r\nbottom\r\n`);
    for (let i = levels - 1; i >= 0; i--) chunks.push(`--b${i}x--\r\n`);
    const raw = Buffer.from(chunks.join(''));
    const started = performance.now();
    const meta = analyzeMessage(raw);
    const tree = parseMessage(raw);
    assert.ok(performance.now() - started < 5000);
    assert.ok(depthOf(tree) <= MAX_NESTING_DEPTH);
    assert.ok(meta.bodyStructure.includes('"application" "octet-stream"'));
    assert.ok(depthOf(deserializeStructure(meta.structure)) <= MAX_NESTING_DEPTH);
  });

  it('handles 10,000 nested message/rfc822 parts', () => {
    const raw = Buffer.from(`${'Subject: s\r\nContent-Type: message/rfc822\r\n\r\n'.repeat(10000)}body\r\n`);
    const meta = analyzeMessage(raw);
    assert.ok(meta.bodyStructure.length > 0);
    assert.ok(depthOf(parseMessage(raw)) <= MAX_NESTING_DEPTH);
  });

  it('caps the number of parts', () => {
    const count = MAX_PARTS + 500;
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary=z\r\n\r\n${'--z\r\n\r\nx\r\n'.repeat(count)}--z--\r\n`,
    );
    const tree = parseMessage(raw);
    assert.ok(countParts(tree) <= MAX_PARTS);
    assert.ok(analyzeMessage(raw).bodyStructure.endsWith(')'));
  });

  it('is linear on a long run of boundary-like lines', () => {
    const raw = Buffer.from(
      `Content-Type: multipart/mixed; boundary=aaaaaaaaaa\r\n\r\n--aaaaaaaaaa\r\n\r\n${'--aaaaaaaaa\r\n'.repeat(200000)}`,
    );
    const started = performance.now();
    analyzeMessage(raw);
    assert.ok(performance.now() - started < 3000);
  });
});

describe('no quadratic corners', () => {
  const timed = (raw: Buffer): number => {
    const started = performance.now();
    analyzeMessage(raw);
    return performance.now() - started;
  };
  it('HTML with unclosed <style> and comments', () => {
    const html = '<style>x'.repeat(50000) + '<!--'.repeat(50000) + '<b'.repeat(50000);
    assert.ok(timed(Buffer.from(`Content-Type: text/html\r\n\r\n${html}`)) < 3000);
  });
  it('headers of colon-less lines, long folded fields, unterminated quotes and comments', () => {
    const header = `${'no colon here\r\n'.repeat(50000)}To: ${'"a, '.repeat(20000)}\r\nFrom: ${'(c '.repeat(20000)}\r\n`;
    const folded = `Subject: ${'=?utf-8?q?x?=\r\n '.repeat(20000)}\r\n`;
    const params = `Content-Type: text/plain${'; a="'.repeat(20000)}\r\n`;
    assert.ok(timed(Buffer.from(`${header}${folded}${params}\r\nbody`)) < 3000);
  });
  it('quoted-printable and base64 junk', () => {
    const body = '= =\t=\r\n=ZZ '.repeat(100000);
    assert.ok(
      timed(
        Buffer.from(`Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`),
      ) < 3000,
    );
  });
});
