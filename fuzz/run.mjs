#!/usr/bin/env node
// Long fuzz runs from the repository root: `node fuzz/run.mjs --long --seconds 600` (see README.md).
// The targets are TypeScript under test/fuzz/, compiled by `npx tsc -p .` into dist/test/fuzz/.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/test/fuzz/run.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('fuzz: not built yet; run `npx tsc -p .` first');
  process.exit(70);
}
await import(entry.href);
