/**
 * Runs test/security/helpers/server-main as a child process (through tsx from source, plain node when
 * compiled) and reports its bound ports. Accounts are created beforehand on the data directory's store.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DeepPartial } from '../../../src/config/config.js';
import type { Config } from '../../../src/config/types.js';
import { hashPassword } from '../../../src/server/auth/password.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';

export interface ChildServer {
  child: ChildProcess;
  ports: Record<string, number>;
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the child prints the line `line` after this call (e.g. RELOADED, see server-main). */
  printed(line: string): Promise<void>;
  /** Everything the child wrote to stderr so far (for failure messages). */
  stderr(): string;
  /** SIGKILL if still running, then wait for the exit. */
  kill(): Promise<void>;
}

export function nodeArgsFor(moduleUrl: string, relativeJs: string): string[] {
  const path = fileURLToPath(new URL(relativeJs, moduleUrl));
  return moduleUrl.endsWith('.ts') ? ['--import', 'tsx', path.replace(/\.js$/, '.ts')] : [path];
}

export async function makeDataDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `postyard-${prefix}-`));
}

/** Creates accounts (default mailboxes, real scrypt hashes) in a data directory's SQLite store. */
export async function createAccounts(dataDir: string, users: Record<string, string>): Promise<void> {
  const store = await openSqliteStore({ dataDir });
  try {
    for (const [login, password] of Object.entries(users)) {
      await store.createAccount(login, await hashPassword(password));
    }
  } finally {
    await store.close();
  }
}

export function startChildServer(
  dataDir: string,
  overrides: DeepPartial<Config> = {},
  timeoutMs = 30_000,
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [...nodeArgsFor(import.meta.url, './server-main.js'), dataDir, JSON.stringify(overrides)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err = (err + d).slice(-20_000);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server child did not start in ${timeoutMs} ms: ${out} ${err}`));
    }, timeoutMs);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server child exited early (${code ?? signal}): ${out} ${err}`));
    });
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /READY (\{.*\})\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      resolve({
        child,
        ports: JSON.parse(m[1]!) as Record<string, number>,
        exited,
        printed(line) {
          const from = out.length;
          return new Promise((resolveLine, rejectLine) => {
            const check = () => {
              if (!out.slice(from).split('\n').includes(line)) return;
              child.stdout!.off('data', check);
              resolveLine();
            };
            child.stdout!.on('data', check);
            void exited.then(() =>
              rejectLine(new Error(`server child exited before printing ${line}: ${err}`)),
            );
          });
        },
        stderr: () => err,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
  });
}
