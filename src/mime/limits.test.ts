/** Hostile shapes: very deep nesting and very many parts are bounded, linear and never overflow the stack. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertLinear, measureWork } from '../lib/work-meter.test-helper.js';
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

/** Our MIME code and the libraries it decodes with: the code whose work is counted. */
const MIME_CODE = /\/src\/mime\/|\/node_modules\/(libmime|libqp|libbase64|iconv-lite)\//;

/** analyzeMessage's work on `shape(n)` and `shape(2n)` must at most about double (work-meter.test-helper). */
async function assertLinearIn(shape: (n: number) => Buffer, n: number): Promise<void> {
  const work = (size: number) => {
    const raw = shape(size);
    return measureWork(() => analyzeMessage(raw), MIME_CODE);
  };
  assertLinear(await work(n), await work(2 * n), 'analyzeMessage');
}

function nestedMultiparts(levels: number): Buffer {
  const chunks = ['Subject: deep\r\nContent-Type: multipart/mixed; boundary="b0x"\r\n\r\n'];
  for (let i = 1; i < levels; i++)
    chunks.push(`--b${i - 1}x\r\nContent-Type: multipart/mixed; boundary="b${i}x"\r\n\r\n`);
  chunks.push(`--b${levels - 1}x\r\nContent-Type: text/plain\r\n\r\nbottom\r\n`);
  for (let i = levels - 1; i >= 0; i--) chunks.push(`--b${i}x--\r\n`);
  return Buffer.from(chunks.join(''));
}

// Complexity is checked by counting work (executed code and characters scanned by built-ins) at two
// sizes, not by timing one run: a clock bound flakes on a loaded machine and passes on a fast one.
describe('limits', () => {
  it('handles 10,000 nested multiparts: depth capped, deeper levels opaque, linear work', async () => {
    const raw = nestedMultiparts(10000);
    const meta = analyzeMessage(raw);
    const tree = parseMessage(raw);
    assert.ok(depthOf(tree) <= MAX_NESTING_DEPTH);
    assert.ok(meta.bodyStructure.includes('"application" "octet-stream"'));
    assert.ok(depthOf(deserializeStructure(meta.structure)) <= MAX_NESTING_DEPTH);
    await assertLinearIn(nestedMultiparts, 5000);
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

  it('is linear on a long run of boundary-like lines (200,000)', async () => {
    await assertLinearIn(
      (n) =>
        Buffer.from(
          `Content-Type: multipart/mixed; boundary=aaaaaaaaaa\r\n\r\n--aaaaaaaaaa\r\n\r\n${'--aaaaaaaaa\r\n'.repeat(n)}`,
        ),
      100000,
    );
  });
});

describe('no quadratic corners', () => {
  it('HTML with unclosed <style> and comments', async () => {
    await assertLinearIn(
      (n) =>
        Buffer.from(
          `Content-Type: text/html\r\n\r\n${'<style>x'.repeat(n)}${'<!--'.repeat(n)}${'<b'.repeat(n)}`,
        ),
      25000,
    );
  });
  it('headers of colon-less lines, long folded fields, unterminated quotes and comments', async () => {
    await assertLinearIn((n) => {
      const k = (2 * n) / 5;
      const header = `${'no colon here\r\n'.repeat(n)}To: ${'"a, '.repeat(k)}\r\nFrom: ${'(c '.repeat(k)}\r\n`;
      const folded = `Subject: ${'=?utf-8?q?x?=\r\n '.repeat(k)}\r\n`;
      const params = `Content-Type: text/plain${'; a="'.repeat(k)}\r\n`;
      return Buffer.from(`${header}${folded}${params}\r\nbody`);
    }, 25000);
  });
  it('quoted-printable and base64 junk', async () => {
    await assertLinearIn(
      (n) =>
        Buffer.from(
          `Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${'= =\t=\r\n=ZZ '.repeat(n)}`,
        ),
      50000,
    );
  });
});
