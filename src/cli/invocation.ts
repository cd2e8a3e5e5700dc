/**
 * How the user can run this CLI again, for the hints we print. `npx postyard` works where the package
 * is installed (a dependency or global, i.e. under node_modules); in a source checkout npm does not
 * link the project's own bin, so there the hint is `node bin/postyard.js`.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';

export function cliCommand(): string {
  const script = process.argv[1];
  if (!script) return 'npx postyard';
  let path = script;
  try {
    path = realpathSync(script);
  } catch {
    // Keep the path as given.
  }
  if (path.includes(`${sep}node_modules${sep}`)) return 'npx postyard';
  const fromCwd = relative(process.cwd(), path);
  return fromCwd.startsWith('..') || isAbsolute(fromCwd) ? `node ${path}` : `node ${fromCwd}`;
}
