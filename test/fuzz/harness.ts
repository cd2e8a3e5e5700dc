/**
 * The fuzz driver shared by the CI test (fuzz.test.ts, a bounded number of runs) and the long run
 * (run.ts): every target is a fast-check arbitrary plus an async check that must not throw, must not
 * hang on any input (`hangGuardMs`), and must not grow the heap without bound.
 *
 * The per-input limit is a hang guard, deliberately kept as wall-clock time, not a speed check. For the
 * live targets (SMTP/IMAP/POP3 sessions of an in-process server) a hang is a reply that never comes;
 * only a deadline turns that into a failure with a counterexample instead of a stuck run. No step count
 * can replace it, and for the pure parsers one would need a per-target cost model and block coverage on
 * every input. The limit sits far above any real input (the slowest of a CI run takes ~0.25 s, live
 * sockets included, against 10 s), so load cannot trip it; speed and complexity claims are tested by
 * counting work instead (src/lib/work-meter.test-helper.ts: src/mime/limits.test.ts, LIST patterns).
 */
import type { Socket } from 'node:net';
import fc from 'fast-check';
import type { LineClient } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';
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
  /** Hang guard per input (see above); default 10 s. */
  hangGuardMs?: number;
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
  const hangGuardMs = options.hangGuardMs ?? 10_000;
  const maxHeapGrowth = options.maxHeapGrowthBytes ?? 256 * MiB;
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 0;
  await target.setUp?.();
  try {
    // Warm-up so lazily built tables and JIT code do not count as growth.
    await fc.assert(
      fc.asyncProperty(target.arbitrary, (input) => bounded(target, input, hangGuardMs)),
      { numRuns: Math.max(5, Math.min(50, Math.floor((options.numRuns ?? 200) / 10))), seed: seed ^ 1 },
    );
    const heapBefore = retainedBytes();
    let runs = 0;
    const property = fc.asyncProperty(target.arbitrary, async (input) => {
      runs += 1;
      await bounded(target, input, hangGuardMs);
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

/**
 * One input under the hang guard. An asynchronous hang (a reply that never comes) is cut off by the
 * timer. A synchronous loop cannot be interrupted from JavaScript: if it never ends, the run hangs (CI's
 * job timeout ends it); if it ends after more than the guard, that is reported here.
 */
async function bounded<T>(target: FuzzTarget<T>, input: T, hangGuardMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const started = performance.now();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${target.name}: input not handled within ${hangGuardMs} ms (hang guard)`)),
      hangGuardMs,
    );
  });
  try {
    await Promise.race([Promise.resolve().then(() => target.check(input)), deadline]);
  } finally {
    clearTimeout(timer);
  }
  const blocked = performance.now() - started;
  if (blocked > hangGuardMs)
    throw new Error(
      `${target.name}: input held the event loop ${Math.round(blocked)} ms (hang guard ${hangGuardMs})`,
    );
}

/**
 * Ends a live target's connection once the server has taken in the whole input: the client half-closes
 * and waits until the server has read up to that end (serverSide 'end') or closed the connection, so
 * every byte was seen by the server before the next check. (A server waiting in DATA or for a literal
 * may keep the connection open: not a failure; one that stops reading for good trips the hang guard.)
 */
export async function hangUp(client: LineClient, serverSide: Socket): Promise<void> {
  client.socket.end();
  await waitUntil(
    () => client.closed || serverSide.readableEnded || serverSide.destroyed,
    'the server to read the input to its end or close the connection',
  );
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
