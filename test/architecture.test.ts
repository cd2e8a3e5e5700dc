/**
 * The layering DESIGN.md and ARCHITECTURE.md describe, checked on every import of src/ (test files
 * beside the code excluded): pure parts import no I/O parts, sessions use the store only through its
 * interface, the device side never reaches into the server, and only the CLI picks a store backend.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/') ? '../../' : '../', import.meta.url));
const SRC = join(ROOT, 'src');

/** Which top-level parts of src/ each part may import (itself always). `store` means its interface files. */
const ALLOWED: Record<string, readonly string[]> = {
  lib: [],
  mime: ['lib'],
  protocol: ['lib', 'mime'],
  config: ['lib'],
  bus: ['lib'],
  store: ['lib', 'mime', 'bus'],
  server: ['lib', 'mime', 'protocol', 'config', 'bus', 'store'],
  http: ['lib', 'mime', 'protocol', 'config', 'bus', 'store', 'server'],
  sync: ['lib', 'protocol'],
  cli: ['lib', 'mime', 'protocol', 'config', 'bus', 'store', 'server', 'http', 'sync', 'store-backend'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-helper') ? [path] : [];
  });
}

/** The part an import lands in: `store-backend` for anything of src/store below its interface files. */
function partOf(file: string): string {
  const [top, next] = relative(SRC, file).split('/');
  if (
    top === 'store' &&
    next &&
    (next === 'sqlite' || next === 'postgres' || next === 'contract' || next === 'bench')
  )
    return 'store-backend';
  return top!;
}

test('every import in src/ follows the layering', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = partOf(file);
    const own = from === 'store-backend' ? 'store' : from;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^(?:import|export)[^;]*?from '(\.[^']+)';/gms)) {
      const target = resolve(dirname(file), match[1]!.replace(/\.js$/, '.ts'));
      if (!target.startsWith(SRC)) continue;
      const to = partOf(target);
      if (
        to === from ||
        to === own ||
        (own === 'store' && to === 'store-backend' && from === 'store-backend')
      )
        continue;
      // The backends and the contract suite implement the interface: they may import it and each other's helpers.
      if (from === 'store-backend' && (to === 'store' || ALLOWED.store!.includes(to))) continue;
      if (!ALLOWED[own]?.includes(to))
        violations.push(`${relative(ROOT, file)} imports ${relative(ROOT, target)} (${own} → ${to})`);
    }
  }
  assert.deepEqual(violations, []);
});
