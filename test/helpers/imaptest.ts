/**
 * Dovecot's imaptest (../shared/reference/imaptest/build.sh builds it): where it is, running it, and
 * reading its summaries. The binary and its scripted tests are found through IMAPTEST_DIR (a directory
 * holding `imaptest` and `tests/`); like requireTool, a missing one skips the test locally and fails it
 * under CI, where .ci/run must build it.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** IMAPTEST_DIR when it holds an executable `imaptest` and `tests/`; skips (locally) or throws (CI). */
export function requireImaptest(t: TestContext): string | null {
  const dir = process.env.IMAPTEST_DIR;
  const problem = dir ? missingIn(dir) : 'IMAPTEST_DIR is not set';
  if (!problem) return dir as string;
  const hint = 'build it with ../shared/reference/imaptest/build.sh DIR and set IMAPTEST_DIR=DIR';
  if (process.env.CI) throw new Error(`imaptest: ${problem}; .ci/run must ${hint}`);
  t.skip(`imaptest: ${problem} (${hint})`);
  return null;
}

function missingIn(dir: string): string | null {
  try {
    accessSync(join(dir, 'imaptest'), constants.X_OK);
    if (!statSync(join(dir, 'tests')).isDirectory()) return `${dir}/tests is not a directory`;
    return null;
  } catch {
    return `${dir} has no executable imaptest and tests/`;
  }
}

/** The scripted test groups: the files of tests/ except the .mbox files they load (as imaptest does). */
export function scriptedGroups(dir: string): string[] {
  const tests = join(dir, 'tests');
  return readdirSync(tests)
    .filter((name) => !name.endsWith('.mbox') && statSync(join(tests, name)).isFile())
    .sort();
}

/** Runs imaptest with `args` (key=value), killed after `timeoutMs`; its stdout and stderr together. */
export function runImaptest(dir: string, args: string[], timeoutMs: number): Promise<string> {
  // Debian's libdovecot lives outside the linker's default path.
  const libraries = ['/usr/lib/dovecot', process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  const child = spawn(join(dir, 'imaptest'), args, {
    env: { ...process.env, LD_LIBRARY_PATH: libraries },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => {
    output += `\n[killed after ${timeoutMs} ms]\n`;
    child.kill('SIGKILL');
  }, timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

export interface ScriptedSummary {
  groups: number;
  failedGroups: number;
  /** Commands of the base protocol and of extensions: failed / run. */
  baseFailed: number;
  baseRun: number;
  extensionFailed: number;
  extensionRun: number;
}

/**
 * imaptest's closing lines in scripted mode, null when absent:
 *   N test groups: F failed, S skipped due to missing capabilities
 *   base protocol: a/b individual commands failed
 *   extensions: c/d individual commands failed
 * A group whose capabilities the server does not advertise runs no command (b = d = 0) and is not
 * counted as skipped, so "ran 0 commands" is read from b and d.
 */
export function parseScripted(output: string): ScriptedSummary | null {
  const groups = /^(\d+) test groups: (\d+) failed/m.exec(output);
  const base = /^base protocol: (\d+)\/(\d+) individual commands failed/m.exec(output);
  const extensions = /^extensions: (\d+)\/(\d+) individual commands failed/m.exec(output);
  if (!groups || !base || !extensions) return null;
  return {
    groups: Number(groups[1]),
    failedGroups: Number(groups[2]),
    baseFailed: Number(base[1]),
    baseRun: Number(base[2]),
    extensionFailed: Number(extensions[1]),
    extensionRun: Number(extensions[2]),
  };
}

/**
 * Stress mode's "Totals:" table (command names, then rows of percentages, then counts): the count per
 * command, e.g. { Logi: 2352, Fetc: 2341, ... }; null when the table is missing.
 */
export function stressTotals(output: string): Record<string, number> | null {
  const lines = output.slice(output.lastIndexOf('Totals:')).split('\n');
  if (!lines[0]?.startsWith('Totals:')) return null;
  const names = lines[1]?.trim().split(/\s+/) ?? [];
  const counts = lines.slice(2).find((line) => /^\s*\d+(\s+\d+)+\s*$/.test(line));
  if (!counts) return null;
  const numbers = counts.trim().split(/\s+/).map(Number);
  return Object.fromEntries(names.map((name, i) => [name, numbers[i] ?? 0]));
}

/**
 * imaptest's "Error:" lines (protocol or state violations), each with up to `context` lines before and
 * after it (imaptest prints the command and reply that led to an error around it), overlapping excerpts
 * merged; `count` is the number of "Error:" lines.
 */
export function errorExcerpts(output: string, context = 3): { count: number; excerpts: string[] } {
  const lines = output.split('\n');
  const hits = lines.flatMap((line, i) => (line.includes('Error:') ? [i] : []));
  const excerpts: string[] = [];
  let from = -1;
  let to = -1;
  for (const hit of hits) {
    if (hit - context > to + 1 && from >= 0) {
      excerpts.push(lines.slice(from, to + 1).join('\n'));
      from = -1;
    }
    if (from < 0) from = Math.max(0, hit - context);
    to = Math.min(lines.length - 1, hit + context);
  }
  if (from >= 0) excerpts.push(lines.slice(from, to + 1).join('\n'));
  return { count: hits.length, excerpts };
}
