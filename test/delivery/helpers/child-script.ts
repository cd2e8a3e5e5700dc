/**
 * How to run a TypeScript helper as a child process both from source (tsx) and compiled (dist/):
 * compiled tests run the compiled .js beside them; source runs go through tsx.
 */
import { fileURLToPath } from 'node:url';

export function nodeArgsFor(moduleUrl: string, relativePath: string): string[] {
  const target = new URL(relativePath, moduleUrl);
  const path = fileURLToPath(target);
  if (moduleUrl.endsWith('.ts')) return ['--import', 'tsx', path.replace(/\.js$/, '.ts')];
  return [path];
}
