/**
 * Is each configured port free to bind, or held by our own running server (its pid file), or by
 * something else? Binding for a moment is the only reliable test across platforms.
 */
import { createServer } from 'node:net';
import { listenerEnabled } from '../../config/config.js';
import type { Config } from '../../config/types.js';
import { describeListenProblem } from '../listen-problem.js';
import { runningServerPid } from '../pid-file.js';
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
