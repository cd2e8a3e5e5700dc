/**
 * The fuzz driver shared by the CI test (fuzz.test.ts, a bounded number of runs) and the long run
 * (run.ts): every target is a fast-check arbitrary plus an async check that must not throw, must finish
 * each input within `inputTimeoutMs`, and must not grow the heap without bound.
 */
import fc from 'fast-check';
import { retainedBytes } from '../security/helpers/memory.js';

export interface FuzzTarget<T = unknown> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  /** Throws (or rejects) when the input exposes a bug. */
  check(input: T): Promise<void> | void;
  /** Optional: start a server or other shared state before the first input, stop it afterwards. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
}

export interface FuzzOptions {
  /** Number of inputs; ignored when `seconds` is given. */
  numRuns?: number;
  /** Run until this many seconds have passed (long runs). */
  seconds?: number;
  /** Per input: longer is a hang. */
  inputTimeoutMs?: number;
  /** Allowed growth of retained memory (heap + Buffers, after a full GC) over the run, after a warm-up. */
  maxHeapGrowthBytes?: number;
  seed?: number;
}

export interface FuzzReport {
  target: string;
  runs: number;
  seed: number;
  heapGrowthBytes: number;
}

const MiB = 1024 * 1024;

export async function fuzz<T>(target: FuzzTarget<T>, options: FuzzOptions = {}): Promise<FuzzReport> {
  const inputTimeoutMs = options.inputTimeoutMs ?? 5_000;
  const maxHeapGrowth = options.maxHeapGrowthBytes ?? 256 * MiB;
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  await target.setUp?.();
  try {
    // Warm-up so lazily built tables and JIT code do not count as growth.
    await fc.assert(
      fc.asyncProperty(target.arbitrary, (input) => bounded(target, input, inputTimeoutMs)),
      { numRuns: Math.max(5, Math.min(50, Math.floor((options.numRuns ?? 200) / 10))), seed: seed ^ 1 },
    );
    const heapBefore = retainedBytes();
    let runs = 0;
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      runs += 1;
      await bounded(target, input, inputTimeoutMs);
    });
    if (options.seconds !== undefined) {
      const interruptAfterTimeLimit = options.seconds * 1000;
      await fc.assert(property, { seed, numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit });
    } else {
      await fc.assert(property, { seed, numRuns: options.numRuns ?? 200 });
    }
    const heapGrowthBytes = retainedBytes() - heapBefore;
    if (heapGrowthBytes > maxHeapGrowth) {
      throw new Error(
        `${target.name}: heap grew by ${(heapGrowthBytes / MiB).toFixed(1)} MiB over ${runs} inputs (seed ${seed})`,
      );
    }
    return { target: target.name, runs, seed, heapGrowthBytes };
  } finally {
    await target.tearDown?.();
  }
}

/** One input with a deadline: a synchronous hang is caught by the caller's test timeout instead. */
async function bounded<T>(target: FuzzTarget<T>, input: T, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${target.name}: input not handled within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.resolve().then(() => target.check(input)), deadline]);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = performance.now() - started;
  if (elapsed > timeoutMs)
    throw new Error(`${target.name}: input took ${Math.round(elapsed)} ms (> ${timeoutMs})`);
}

/** Splits bytes at the given cut points (sorted, deduplicated, inside the buffer). */
export function splitAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    if (p > start) out.push(bytes.subarray(start, p));
    start = Math.max(start, p);
  }
  out.push(bytes.subarray(start));
  return out;
}

/** Bytes built from protocol-looking fragments mixed with raw noise. */
export function fragmentedBytes(fragments: readonly string[], maxParts = 40): fc.Arbitrary<Buffer> {
  const piece = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...fragments) },
    { weight: 2, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a).toString('latin1')) },
  );
  return fc.array(piece, { maxLength: maxParts }).map((parts) => Buffer.from(parts.join(''), 'latin1'));
}

/** Bytes of `text` changed by a few random edits: insert, delete or overwrite one byte, or cut the rest. */
export function mutated(text: fc.Arbitrary<string>, maxEdits = 3): fc.Arbitrary<Buffer> {
  const edit = fc.record({
    at: fc.nat(),
    kind: fc.constantFrom('insert', 'delete', 'set', 'cut'),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  return fc.tuple(text, fc.array(edit, { maxLength: maxEdits })).map(([t, edits]) => {
    const bytes = [...Buffer.from(t, 'latin1')];
    for (const e of edits) {
      const at = e.at % (bytes.length + 1);
      if (e.kind === 'insert') bytes.splice(at, 0, e.byte);
      else if (e.kind === 'delete') bytes.splice(at, 1);
      else if (e.kind === 'set' && at < bytes.length) bytes[at] = e.byte;
      else if (e.kind === 'cut') bytes.length = at;
    }
    return Buffer.from(bytes);
  });
}

/** A session's worth of input: mostly well-formed commands, each possibly mutated, CRLF after each. */
export function commandStream(commands: readonly string[], maxCommands = 12): fc.Arbitrary<Buffer> {
  const one = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...commands).map((c) => Buffer.from(c, 'latin1')) },
    { weight: 3, arbitrary: mutated(fc.constantFrom(...commands)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a)) },
  );
  return fc
    .array(one, { minLength: 1, maxLength: maxCommands })
    .map((parts) => Buffer.concat(parts.flatMap((p) => [p, Buffer.from('\r\n')])));
}
