/**
 * Issue 5 "Fuzzing": every target in test/fuzz/targets gets a bounded number of random inputs in CI,
 * with a fresh seed each run (printed, so a failure can be replayed with `run.js --seed`). The long run
 * is `node dist/test/fuzz/run.js --long --seconds N` (fuzz/README.md).
 */
import { test } from 'node:test';
import { fuzz } from './harness.js';
import { TARGETS } from './targets/index.js';

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

for (const { target, ciRuns } of TARGETS) {
  test(`fuzz ${target.name}: ${ciRuns} inputs, no throw, no hang, bounded heap`, {
    timeout: 60_000,
  }, async (t) => {
    const report = await fuzz(target, {
      numRuns: ciRuns,
      seed,
      maxHeapGrowthBytes: 64 * 1048576,
    });
    t.diagnostic(`seed ${report.seed}, heap growth ${(report.heapGrowthBytes / 1048576).toFixed(1)} MiB`);
  });
}
