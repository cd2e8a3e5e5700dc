/**
 * Fuzzing entry point outside the test runner (fuzz/README.md):
 *   node dist/test/fuzz/run.js [--long] [--seconds N] [--runs N] [--seed S] [--target NAME ...]
 * --long with --seconds N gives every selected target N seconds; otherwise each gets its CI run count.
 * Exits 1 on the first failure, printing fast-check's counterexample and the seed to replay it.
 */
import { parseArgs } from 'node:util';
import { fuzz } from './harness.js';
import { TARGETS } from './targets/index.js';

const { values } = parseArgs({
  options: {
    long: { type: 'boolean' },
    seconds: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    target: { type: 'string', multiple: true },
  },
});

const seconds = values.long ? Number(values.seconds ?? 600) : undefined;
const selected = TARGETS.filter(({ target }) => !values.target || values.target.includes(target.name));
if (selected.length === 0) {
  console.error(`no such target; known: ${TARGETS.map((t) => t.target.name).join(', ')}`);
  process.exit(64);
}

for (const { target, ciRuns } of selected) {
  const started = Date.now();
  try {
    const report = await fuzz(target, {
      seconds,
      numRuns: values.runs ? Number(values.runs) : ciRuns,
      seed: values.seed ? Number(values.seed) : undefined,
    });
    const mib = (report.heapGrowthBytes / 1048576).toFixed(1);
    console.log(
      `${target.name}: ${report.runs} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${report.seed}, heap ${mib} MiB`,
    );
  } catch (err) {
    const cause = err instanceof Error && err.cause ? `\nCaused by: ${String(err.cause)}` : '';
    console.error(`${target.name}: FAILED\n${err instanceof Error ? err.message : String(err)}${cause}`);
    process.exit(1);
  }
}
