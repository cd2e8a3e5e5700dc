/**
 * For tests of complexity claims ("linear", "no quadratic corner", "cannot blow up"): counts the work a
 * synchronous call does instead of timing it, so the claim is checked the same way on any machine,
 * however loaded. Typical use: the same input shape at two sizes must cost about twice as much.
 *
 *   const work = (n: number) => measureWork(() => analyzeMessage(input(n)), MIME_CODE);
 *   assertLinear(await work(50_000), await work(100_000));
 *
 * Work is the sum of
 * - basic blocks of the selected scripts executed (V8 precise block coverage: every loop iteration and
 *   branch taken counts once), and
 * - characters or bytes examined by the built-ins those scripts call, which run natively and are not
 *   covered: String indexOf/lastIndexOf/includes/split/case conversion, RegExp exec (from the search
 *   start to the end of the match: a global replace costs its input once), Buffer indexOf/lastIndexOf/
 *   includes/compare/equals/toString.
 * Not counted: the cost of one regular-expression attempt beyond the span it reports (catastrophic
 * backtracking on a short match would not show) and copying.
 */
import assert from 'node:assert/strict';
import { Session } from 'node:inspector/promises';

let session: Session | null = null;

async function coverageSession(): Promise<Session> {
  if (session) return session;
  const s = new Session();
  s.connect();
  await s.post('Profiler.enable');
  await s.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  session = s;
  return s;
}

/** The work `fn` does (see above); `scripts` selects our code by script URL (compiled file path). */
export async function measureWork(fn: () => unknown, scripts: RegExp): Promise<number> {
  const s = await coverageSession();
  await s.post('Profiler.takePreciseCoverage'); // resets the counters
  const scanned = { total: 0 };
  const restore = meterBuiltins(scanned);
  try {
    fn();
  } finally {
    restore();
  }
  const { result } = await s.post('Profiler.takePreciseCoverage');
  let blocks = 0;
  for (const script of result) {
    if (!scripts.test(script.url)) continue;
    for (const f of script.functions) for (const range of f.ranges) blocks += range.count;
  }
  assert.ok(blocks > 0, `no executed code matched ${scripts}: the meter would measure nothing`);
  return blocks + scanned.total;
}

/**
 * Asserts that doubling the input at most about doubled the work (`small` measured at size n, `large`
 * at 2n): a quadratic corner would quadruple it.
 */
export function assertLinear(small: number, large: number, what = 'work'): void {
  assert.ok(small > 0, `${what}: nothing measured`);
  assert.ok(
    large <= small * 2.3,
    `${what} at twice the size: ${large} vs ${small} (×${(large / small).toFixed(2)})`,
  );
}

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Cost = (self: unknown, args: unknown[], result: unknown) => number;

/** Characters from `from` to the end of the match (or the end when there is none). */
function forwardScan(length: number, from: unknown, found: number, needleLength: number): number {
  const start = Math.min(Math.max(Number(from) || 0, 0), length);
  return Math.max(0, (found >= 0 ? found + needleLength : length) - start);
}

const lengthOf = (value: unknown): number =>
  typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 1;

function meterBuiltins(scanned: { total: number }): () => void {
  const str = (self: unknown) => String(self);
  const lastIndexBefore = new WeakMap<RegExp, number>();
  const meters: [object, string, Cost][] = [
    [
      String.prototype,
      'indexOf',
      (self, [needle, from], r) => forwardScan(str(self).length, from, r as number, String(needle).length),
    ],
    [
      String.prototype,
      'lastIndexOf',
      (self, [, from], r) => {
        const length = str(self).length;
        const start = from === undefined ? length : Math.min(Number(from) || 0, length);
        return Math.max(0, start - Math.max(r as number, 0));
      },
    ],
    [String.prototype, 'includes', (self, [, from]) => forwardScan(str(self).length, from, -1, 0)],
    [String.prototype, 'split', (self, [separator]) => (separator instanceof RegExp ? 0 : str(self).length)],
    [String.prototype, 'toLowerCase', (self) => str(self).length],
    [String.prototype, 'toUpperCase', (self) => str(self).length],
    [
      RegExp.prototype,
      'exec',
      (self, [input], r) => {
        const re = self as RegExp;
        const match = r as RegExpExecArray | null;
        // A sticky regex tries one position; otherwise the search runs from where it started (lastIndex
        // for a global one) to the end of the match, or to the end of the input.
        if (re.sticky) return match ? match[0].length + 1 : 1;
        const from = re.global ? (lastIndexBefore.get(re) ?? 0) : 0;
        const end = match ? match.index + match[0].length : String(input).length;
        return Math.max(1, end - from);
      },
    ],
    [
      Buffer.prototype,
      'indexOf',
      (self, [needle, from], r) => forwardScan((self as Buffer).length, from, r as number, lengthOf(needle)),
    ],
    [
      Buffer.prototype,
      'lastIndexOf',
      (self, [, from], r) => {
        const length = (self as Buffer).length;
        const start = from === undefined ? length : Math.min(Number(from) || 0, length);
        return Math.max(0, start - Math.max(r as number, 0));
      },
    ],
    [Buffer.prototype, 'includes', (self, [, from]) => forwardScan((self as Buffer).length, from, -1, 0)],
    [
      Buffer.prototype,
      'compare',
      (self, [target, targetStart, targetEnd, sourceStart, sourceEnd]) => {
        const t = target as Buffer;
        const source = self as Buffer;
        const tLength = (Number(targetEnd ?? t.length) || 0) - (Number(targetStart) || 0);
        const sLength = (Number(sourceEnd ?? source.length) || 0) - (Number(sourceStart) || 0);
        return Math.max(1, Math.min(tLength, sLength));
      },
    ],
    [Buffer.prototype, 'equals', (self) => (self as Buffer).length],
    [
      Buffer.prototype,
      'toString',
      (self, [, start, end]) =>
        Math.max(0, (Number(end ?? (self as Buffer).length) || 0) - (Number(start) || 0)),
    ],
  ];
  const originals: [object, string, Method][] = [];
  for (const [target, name, cost] of meters) {
    const original = (target as Record<string, Method>)[name] as Method;
    originals.push([target, name, original]);
    const metered = function (this: unknown, ...args: unknown[]) {
      if (this instanceof RegExp) lastIndexBefore.set(this, this.lastIndex);
      const result = original.apply(this, args);
      scanned.total += cost(this, args, result);
      return result;
    };
    Object.defineProperty(target, name, { value: metered, writable: true, configurable: true });
  }
  return () => {
    for (const [target, name, original] of originals) {
      Object.defineProperty(target, name, { value: original, writable: true, configurable: true });
    }
  };
}
