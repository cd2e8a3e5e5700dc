#!/usr/bin/env node
// `npm run bench`: every benchmark in bench/, one after another, each side by side with its reference
// (Dovecot, or Postfix/mbsync/getmail6/fetchmail where that is the anchor), each replacing its own dated
// section of BENCHMARKS.md (--write). Extra arguments go to every benchmark (e.g. --small for a smoke run,
// which leaves BENCHMARKS.md alone). Benchmarks run sequentially: they would measure each other otherwise.
// Usage: npm run bench [-- --small] [-- --only imap,idle]
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';

const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt >= 0 ? new Set(args[onlyAt + 1].split(',')) : null;
const passOn = args.filter((_, i) => i !== onlyAt && i !== onlyAt + 1);
const benches = readdirSync('dist/bench')
  .filter((f) => f.endsWith('.js'))
  .map((f) => f.slice(0, -3))
  .filter((name) => !only || only.has(name))
  .sort();
if (benches.length === 0 || !existsSync('dist/bench')) {
  console.error('no benchmarks found (is dist/bench built? npm run bench compiles first)');
  process.exit(1);
}
const failed = [];
for (const name of benches) {
  const started = Date.now();
  console.log(`\n=== bench/${name} (load average ${loadavg()[0].toFixed(1)})`);
  const r = spawnSync(process.execPath, [`dist/bench/${name}.js`, '--write', ...passOn], {
    stdio: 'inherit',
  });
  console.log(
    `=== bench/${name}: ${r.status === 0 ? 'done' : `FAILED (${r.status ?? r.signal})`} in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  if (r.status !== 0) failed.push(name);
}
if (failed.length > 0) {
  console.error(`failed: ${failed.join(', ')}`);
  process.exit(1);
}
