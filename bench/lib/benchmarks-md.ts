import { readFileSync, writeFileSync } from 'node:fs';

/**
 * Replaces the section that starts with `heading` (e.g. "## POP3") in BENCHMARKS.md with `lines`, up to the
 * next "## " heading; other sections are left alone. Appends the section when it is not there yet.
 */
export function replaceBenchmarkSection(heading: string, lines: readonly string[]): void {
  let text = '';
  try {
    text = readFileSync('BENCHMARKS.md', 'utf8');
  } catch {
    text = '# Benchmarks\n\n';
  }
  const start = text.indexOf(`${heading}\n`);
  if (start < 0) text = `${text.trimEnd()}\n\n${lines.join('\n')}`;
  else {
    const next = text.indexOf('\n## ', start + 1);
    text = text.slice(0, start) + lines.join('\n') + (next >= 0 ? text.slice(next) : '');
  }
  writeFileSync('BENCHMARKS.md', text.endsWith('\n') ? text : `${text}\n`);
}
