import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import v8 from 'node:v8';
import { pino } from 'pino';
import { waitUntil } from '../../../test/helpers/wait.js';
import {
  fullGarbageCollection,
  loadGlibcMallocTrim,
  type MallocTrimLoader,
  MemoryReclaimer,
  QUIET_BEFORE_SECOND_GC_MS,
} from './memory-reclaimer.js';

/** A logger at debug whose lines land in `lines`. */
function recordingLogger() {
  const lines: { msg: string; reason?: string }[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(String(chunk)));
      cb();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

/**
 * A reclaimer that trims after a fall of 10 connections, at once, with a trim (from `load`, by default
 * one that only counts its calls) and a GC that only count their calls.
 */
function countingReclaimer(
  options: { load?: MallocTrimLoader; minIntervalMs?: number; settleMs?: number; afterOpened?: number } = {},
) {
  const { log, lines } = recordingLogger();
  const counts = { loads: 0, trims: 0, gcs: 0 };
  const countingTrim = async () => {
    counts.trims += 1;
    return true;
  };
  const reclaimer = new MemoryReclaimer(log, {
    load: () => {
      counts.loads += 1;
      return options.load ? options.load() : Promise.resolve(countingTrim);
    },
    collectGarbage: async () => {
      counts.gcs += 1;
    },
    pauseBeforeSecondGcMs: null,
    afterClosed: 10,
    afterOpened: options.afterOpened ?? Number.POSITIVE_INFINITY,
    settleMs: options.settleMs ?? 0,
    minIntervalMs: options.minIntervalMs ?? 0,
  });
  return { r: reclaimer, counts, lines };
}

function openClose(r: MemoryReclaimer, open: number, close: number): void {
  for (let i = 0; i < open; i++) r.connectionOpened();
  for (let i = 0; i < close; i++) r.connectionClosed();
}

test('no trim while the open connections fell by less than afterClosed', () => {
  const { r, counts } = countingReclaimer();
  openClose(r, 20, 9);
  // Churn at the same level is no fall from the high point either.
  openClose(r, 5, 5);
  assert.equal(r.pending(), false);
  assert.equal(counts.loads, 0);
  r.close();
});

test('a fall of afterClosed connections trims once, loading malloc_trim lazily then', async () => {
  const { r, counts } = countingReclaimer();
  openClose(r, 40, 0);
  assert.equal(counts.loads, 0, 'not loaded before a trim is due');
  openClose(r, 0, 35); // one burst: one trim
  assert.equal(r.pending(), true);
  await waitUntil(() => r.stats.trims === 1, 'the trim');
  assert.deepEqual(counts, { loads: 1, trims: 1, gcs: 1 });
  assert.equal(r.pending(), false);
  // The next trim needs another fall from where the last one left off.
  openClose(r, 0, 4);
  assert.equal(r.pending(), false);
  openClose(r, 20, 20);
  await waitUntil(() => r.stats.trims === 2, 'the second trim');
  assert.deepEqual(counts, { loads: 1, trims: 2, gcs: 2 });
  r.close();
});

test('at most one trim per minIntervalMs', async () => {
  const { r, counts } = countingReclaimer({ minIntervalMs: 3_600_000 });
  openClose(r, 30, 10);
  await waitUntil(() => r.stats.trims === 1, 'the first trim');
  openClose(r, 0, 20);
  assert.equal(r.pending(), true, 'the second is scheduled for when the interval is over');
  r.close();
  assert.equal(r.pending(), false);
  assert.equal(counts.trims, 1);
});

test('closes that go on postpone the reclaim until they stop for settleMs', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { r, counts } = countingReclaimer({ settleMs: 1_000 });
  openClose(r, 30, 10);
  t.mock.timers.tick(900);
  r.connectionClosed(); // still closing: quiet starts again
  t.mock.timers.tick(900);
  assert.equal(counts.gcs, 0, 'not 1,000 ms after the fall, the burst goes on');
  t.mock.timers.tick(100);
  await waitUntil(() => r.stats.reclaims === 1, 'the reclaim 1,000 ms after the last close');
  assert.equal(counts.gcs, 1);
  r.close();
});

test('a rise of afterOpened connections (a login storm) reclaims once it settles, once per rise', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const { r, counts } = countingReclaimer({ settleMs: 1_000, afterOpened: 20 });
  openClose(r, 19, 0);
  assert.equal(r.pending(), false, 'a rise of 19 is not a storm');
  openClose(r, 1, 0);
  assert.equal(r.pending(), true);
  t.mock.timers.tick(900);
  openClose(r, 5, 0); // the storm goes on: quiet starts again
  t.mock.timers.tick(900);
  assert.equal(counts.gcs, 0);
  t.mock.timers.tick(100);
  await waitUntil(() => r.stats.reclaims === 1, 'the reclaim 1,000 ms after the last login');
  // Sessions coming and going at the level reached are no new storm.
  openClose(r, 5, 5);
  openClose(r, 9, 9);
  assert.equal(r.pending(), false);
  r.close();
});

for (const [what, load] of [
  ['no malloc_trim on this platform', async () => null],
  // What an absent optionalDependency does: the dynamic import rejects.
  ['koffi not installed', () => import(['postyard', 'no-such-module'].join('-')).then(() => null)],
] as [string, MallocTrimLoader][]) {
  test(`${what}: the GC still runs, no trim, no error, one debug line, never loaded again`, async () => {
    const { r, counts, lines } = countingReclaimer({ load });
    openClose(r, 20, 20);
    await waitUntil(() => r.stats.reclaims === 1, 'the first reclaim');
    assert.equal(r.stats.trimAvailable, false);
    openClose(r, 20, 20);
    await waitUntil(() => r.stats.reclaims === 2, 'the second reclaim');
    assert.deepEqual(counts, { loads: 1, trims: 0, gcs: 2 });
    assert.equal(r.stats.trims, 0);
    const unavailable = lines.filter((l) => l.msg.startsWith('malloc_trim unavailable'));
    assert.equal(unavailable.length, 1);
    r.close();
  });
}

test("glibc's malloc_trim through koffi, where there is glibc", async (t) => {
  const trim = await loadGlibcMallocTrim();
  if (!trim) {
    t.skip('no glibc or no koffi here');
    return;
  }
  assert.equal(typeof (await trim()), 'boolean');
});

test('a full GC without --expose-gc gives back a grown V8 heap', async () => {
  const before = process.memoryUsage().heapUsed;
  let garbage: number[][] | null = Array.from({ length: 200_000 }, (_v, i) => [i, i + 1]);
  assert.ok(process.memoryUsage().heapUsed - before > 8 * 2 ** 20, 'the garbage is on the heap');
  garbage = null;
  await fullGarbageCollection();
  assert.equal(garbage, null);
  assert.ok(process.memoryUsage().heapUsed - before < 4 * 2 ** 20, 'and gone after the GC');
});

test("a reclaim's second GC, after a quiet pause, gives back the young generation a storm grew", async () => {
  const youngGeneration = () =>
    v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')!.space_size;
  const reclaimer = new MemoryReclaimer(pino({ level: 'silent' }), {
    load: async () => null,
    afterClosed: 1,
    settleMs: 0,
  });
  // A login storm in miniature: many objects that survive a few scavenges, and garbage around them.
  let kept: number[][][] | null = [];
  for (let i = 0; i < 10_000; i++) {
    kept.push(Array.from({ length: 40 }, (_v, k) => new Array(30).fill(i + k)));
    for (let k = 0; k < 100; k++) JSON.parse(JSON.stringify({ k, text: 'x'.repeat(100) }));
    if (i % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  const grown = youngGeneration();
  // Grown here or by the tests before (V8 starts it at 1 MB).
  assert.ok(grown >= 8 * 2 ** 20, `the young generation is grown (${grown} bytes)`);
  kept = null;
  // The reclaim's timers are unref'd (a server's sockets keep it alive): keep this process alive meanwhile.
  const alive = setInterval(() => {}, 1000);
  try {
    reclaimer.connectionOpened();
    reclaimer.connectionClosed();
    await waitUntil(() => reclaimer.stats.reclaims === 1, 'the reclaim', 30_000);
  } finally {
    clearInterval(alive);
  }
  assert.equal(kept, null);
  const after = youngGeneration();
  assert.ok(after <= grown / 4, `young generation ${grown} -> ${after} bytes`);
  assert.ok(reclaimer.stats.lastGcMs < QUIET_BEFORE_SECOND_GC_MS, 'lastGcMs counts the GCs, not the pause');
});
