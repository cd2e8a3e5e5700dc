/**
 * Is each configured port free to bind, or held by our own running server (its pid file), or by
 * something else? Binding for a moment is the only reliable test across platforms.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { listenerEnabled } from '../../config/config.js';
import type { Config } from '../../config/types.js';
import { describeListenProblem } from '../listen-problem.js';
import { pidFile } from '../paths.js';
import { type Finding, fail, ok } from './finding.js';

export async function checkPorts(config: Config, configFile: string): Promise<Finding[]> {
  const ourPid = runningServerPid(config.dataDir);
  const findings: Finding[] = [];
  for (const [name, listener] of Object.entries(config.listeners)) {
    const where = `${name} ${listener.host}:${listener.port}`;
    if (!listenerEnabled(listener)) {
      findings.push(ok('port', `${name} disabled`));
      continue;
    }
    if (listener.port === 0) {
      findings.push(ok('port', `${where} (any free port)`));
      continue;
    }
    const error = await tryBind(listener.host, listener.port);
    if (!error) findings.push(ok('port', `${where} free`));
    else if (error === 'EADDRINUSE' && ourPid)
      findings.push(ok('port', `${where} in use by this server (pid ${ourPid})`));
    else
      findings.push(
        fail('port', describeListenProblem(name, listener.host, listener.port, error, configFile)),
      );
  }
  return findings;
}

function tryBind(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(null)));
  });
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
