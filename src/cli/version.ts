/** The package version, read from package.json (found upwards from this file: dist/src/cli or src/cli). */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  for (const up of ['../../../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === 'postyard' && pkg.version) return pkg.version;
    } catch {
      // Try the next candidate.
    }
  }
  return 'unknown';
}
