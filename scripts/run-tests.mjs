#!/usr/bin/env node
// Runs every compiled test file under dist/ with node's test runner (npm test compiles first, from a
// clean dist/, so a deleted test cannot keep running from stale output).
// Output: a dot per test on stdout, then every failure in full and the counts; the full per-test report
// (spec) goes to test-results/report.txt. Node 20's `--test` takes no globs, so we find the files.
// Usage: node scripts/run-tests.mjs [substring filter...]
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const filters = process.argv.slice(2);
const roots = ['dist/src', 'dist/test'];
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries.sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'fixtures') walk(p);
    } else if (name.endsWith('.test.js')) files.push(p);
  }
}
roots.forEach(walk);
const selected = filters.length ? files.filter((f) => filters.some((s) => f.includes(s))) : files;
if (selected.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
mkdirSync('test-results', { recursive: true });
const report = join('test-results', 'report.txt');
const r = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=dot',
    '--test-reporter-destination=stdout',
    '--test-reporter=spec',
    `--test-reporter-destination=${report}`,
    ...selected,
  ],
  { stdio: 'inherit' },
);
// The spec report ends with the counts ("ℹ tests 997", "ℹ pass 995", ...): repeat them here.
const counts = readFileSync(report, 'utf8')
  .split('\n')
  .filter((line) => /^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line));
console.log(`\n${counts.join('\n')}\nfull report: ${report}`);
process.exit(r.status ?? 1);
