/**
 * Running the compiled CLI as a child process (`node bin/postyard.js ...`), as a user would, against a
 * temporary data directory.
 */

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LISTENER_NAMES } from '../../src/cli/setup.js';

/** Repository root: this file runs from dist/test/cli/. */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'postyard.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Every listener on a free port (0), so tests never collide with a running server or each other (test
 * files run in parallel: a default port such as submission's 1587 taken by two `start`s fails one).
 */
export const FREE_PORTS = LISTENER_NAMES.flatMap((n) => ['--port', `${n}=0`]);

export function runCli(
  args: string[],
  options: { input?: string | Buffer; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: { ...process.env, POSTYARD_DEBUG: '', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** A fresh temporary directory; `dataDir` inside it does not exist yet (like a first run). */
export function tempRoot(t: { after(fn: () => void): void }): { root: string; dataDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'postyard-cli-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return { root, dataDir: join(root, 'data') };
}

/** `init` with free ports; returns the data dir. */
export async function initData(t: { after(fn: () => void): void }): Promise<string> {
  const { dataDir } = tempRoot(t);
  const result = await runCli(['init', '--data', dataDir, '--hostname', 'mail.test', ...FREE_PORTS]);
  if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
  return dataDir;
}

/** No line of a Node stack trace in `text`. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+:\d+:\d+\)?$/m.test(text);
}

/**
 * Runs the CLI on a pseudo-terminal (Python's pty module), as a person at a terminal would: each
 * `answers` entry waits for its prompt text, then types its line. Output is stdout and stderr merged.
 */
export function runCliOnTerminal(
  args: string[],
  answers: Array<{ after: string; type: string }>,
): Promise<{ code: number | null; output: string }> {
  const script = `
import json, os, pty, select, sys
args, answers = json.loads(sys.argv[1]), json.loads(sys.argv[2])
pid, fd = pty.fork()
if pid == 0:
    os.execv(args[0], args)
out = b''
while True:
    try:
        ready, _, _ = select.select([fd], [], [], 30)
        if not ready:
            break
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    while answers and answers[0]['after'].encode() in out:
        os.write(fd, (answers.pop(0)['type'] + '\\r').encode())
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(os.waitstatus_to_exitcode(status))
`;
  return new Promise((resolve, reject) => {
    const child = spawn(
      'python3',
      ['-c', script, JSON.stringify([process.execPath, BIN, ...args]), JSON.stringify(answers)],
      { cwd: ROOT, env: { ...process.env, POSTYARD_DEBUG: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output: output.replace(/\r\n/g, '\n') }));
  });
}
