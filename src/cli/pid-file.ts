/**
 * DATA/postyard.pid: written by `start` while the server runs (so `doctor`, `status` and `stop` find it,
 * and a second `start` on the same data refuses), removed when it stops.
 */
import { readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { pidFile } from './paths.js';

/** Runs `work` with DATA/postyard.pid holding our pid. */
export async function withPidFile(dataDir: string, work: () => Promise<number>): Promise<number> {
  const file = pidFile(dataDir);
  writeFileSync(file, `${process.pid}\n`);
  try {
    return await work();
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}

/** The pid in DATA/postyard.pid if that process is alive, else null. */
export function runningServerPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(dataDir), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive but owned by another user — still a running process.
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return isPostyard(pid) ? pid : null;
}

/** After a crash the pid may have been reused by an unrelated process; Linux lets us check. */
function isPostyard(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postyard');
  } catch {
    return true; // No /proc (or not readable): trust the pid file.
  }
}

/** When the running server wrote its pid file, i.e. when it started; null without one. */
export function serverStartedAt(dataDir: string): Date | null {
  try {
    return statSync(pidFile(dataDir)).mtime;
  } catch {
    return null;
  }
}
