/**
 * What one malloc_trim(0) costs with a large, fragmented main arena (issue 15): native Buffers are
 * allocated, 8 × 4 KB a "session", until the arena holds --mb megabytes; then every other session is
 * freed (freed chunks between live ones, as closed sessions leave them), and the server's trim
 * (src/server/net/memory-reclaimer.ts, on libuv's thread pool) runs while the event loop keeps
 * allocating. Reports the trim's duration, the event loop's longest stall meanwhile, and the resident
 * size before and after. Each round fragments afresh.
 * Run compiled: `node dist/bench/malloc-trim.js [--small] [--mb 512] [--rounds 5]` (it restarts itself with
 * --expose-gc, to free the closed half at a known moment). Prints only: its numbers are quoted in
 * BENCHMARKS.md "Idle IMAP sessions".
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadGlibcMallocTrim } from '../src/server/net/memory-reclaimer.js';

const mbArg = process.argv.find((_a, i) => process.argv[i - 1] === '--mb');
const roundsArg = process.argv.find((_a, i) => process.argv[i - 1] === '--rounds');
const SMALL = process.argv.includes('--small');
const TARGET_MB = mbArg ? Number(mbArg) : SMALL ? 64 : 512;
const ROUNDS = roundsArg ? Number(roundsArg) : SMALL ? 2 : 5;
/** A TLS session leaves about 26 KB in the main arena: here 8 chunks of 4 KB, freed or kept together. */
const CHUNK = 4096;
const SESSION_CHUNKS = 8;

if (!globalThis.gc) {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}
const gc = globalThis.gc;
const trim = await loadGlibcMallocTrim();
if (!trim) throw new Error('no glibc malloc_trim here (koffi missing or not glibc)');

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const results: { trimMs: number; maxDelayMs: number; rssBefore: number; rssAfter: number }[] = [];

for (let round = 0; round < ROUNDS; round++) {
  const count = (TARGET_MB * 2 ** 20) / CHUNK;
  // All held while the arena grows (as sessions are, while open), then every other session closes.
  let all: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const b = Buffer.allocUnsafeSlow(CHUNK); // its own malloc, not the shared pool
    b.fill(1); // touched: resident
    all.push(b);
  }
  let kept = all.filter((_b, i) => Math.floor(i / SESSION_CHUNKS) % 2 === 0);
  all = [];
  gc();
  gc();
  const rssBefore = process.memoryUsage().rss;
  // The event loop keeps allocating while the trim holds the arena's lock on the thread pool.
  // Its delay is the longest gap between two turns of the loop.
  let busy = true;
  let maxDelayMs = 0;
  let lastTurn = performance.now();
  const churn = () => {
    const now = performance.now();
    maxDelayMs = Math.max(maxDelayMs, now - lastTurn);
    lastTurn = now;
    if (!busy) return;
    for (let i = 0; i < 100; i++) Buffer.allocUnsafeSlow(CHUNK);
    setImmediate(churn);
  };
  churn();
  const started = performance.now();
  await trim();
  const trimMs = performance.now() - started;
  busy = false;
  gc();
  results.push({ trimMs, maxDelayMs, rssBefore, rssAfter: process.memoryUsage().rss });
  console.log(
    `round ${round + 1}: trim ${trimMs.toFixed(0)} ms, event loop delay max ${maxDelayMs.toFixed(1)} ms, ` +
      `RSS ${mb(rssBefore)} → ${mb(process.memoryUsage().rss)} MB`,
  );
  // Read after the measurements, so the live half is live until then.
  if (kept.length !== count / 2) throw new Error('lost the live buffers');
  kept = [];
  gc();
  await trim();
}

const range = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
const trims = results.map((r) => r.trimMs);
const delays = results.map((r) => r.maxDelayMs);
console.log(
  `${ROUNDS} rounds, ${TARGET_MB} MB allocated in ${SESSION_CHUNKS}×${CHUNK}-byte sessions, every other freed: ` +
    `trim median ${median(trims).toFixed(0)} ms (${range(trims)}), event loop delay max median ` +
    `${median(delays).toFixed(1)} ms (${range(delays)}), RSS median ${mb(median(results.map((r) => r.rssBefore)))} → ` +
    `${mb(median(results.map((r) => r.rssAfter)))} MB`,
);
