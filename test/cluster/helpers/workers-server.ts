/**
 * A real `postyard start` process with `workers` > 1 (src/server/cluster/README.md) on a fresh data
 * directory, every listener on 127.0.0.1 port 0 (node:cluster shares one port per listener between the
 * workers). Its JSON log (level debug, stdout) tells the test which worker took which connection.
 *
 *   const srv = await startWorkersServer({ workers: 2 });
 *   await srv.addUser('a@example.com', 'pw');
 *   const worker = await srv.workerOf(socket.localPort);
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LISTENER_NAMES } from '../../../src/cli/setup.js';
import type { DeepPartial } from '../../../src/config/config.js';
import type { Config } from '../../../src/config/types.js';
import { BIN, ROOT, runCli } from '../../cli/helpers.js';
import { installTestCertificate, TEST_HOSTNAME } from '../../helpers/server.js';
import { waitUntil } from '../../helpers/wait.js';

export interface LogLine {
  msg?: string;
  worker?: number;
  process?: string;
  [key: string]: unknown;
}

export interface WorkersServer {
  dataDir: string;
  child: ChildProcess;
  ports: Record<string, number>;
  /** Every JSON log line so far, in order. */
  log: LogLine[];
  /** What it printed that is not a log line (the banner). */
  output(): string;
  /** Pids of the workers that reported ready, by worker id (a restarted worker gets a new id). */
  readyWorkers(): Map<number, number>;
  /** The worker that accepted the connection whose client side is 127.0.0.1:`localPort`. */
  workerOf(localPort: number): Promise<number>;
  addUser(login: string, password: string, flags?: string[]): Promise<void>;
  /** `postyard deliver`: a writer outside the cluster. */
  deliver(to: string, message: string): Promise<void>;
  /** SIGTERM, wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  /** Removes the data directory (after stop or kill). */
  remove(): Promise<void>;
}

export async function startWorkersServer(
  options: { workers?: number; config?: DeepPartial<Config>; dataDir?: string } = {},
): Promise<WorkersServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'postyard-workers-')));
  if (options.dataDir === undefined) {
    await installTestCertificate(dataDir);
    const listeners = Object.fromEntries(
      LISTENER_NAMES.map((name) => [name, { host: '127.0.0.1', port: 0 }]),
    );
    const config = {
      hostname: TEST_HOSTNAME,
      workers: options.workers ?? 2,
      listeners,
      delivery: { authenticationResults: false },
      log: { level: 'debug' },
      ...options.config,
    };
    await writeFile(join(dataDir, 'postyard.json'), JSON.stringify(config, null, 2));
  }
  const child = spawn(process.execPath, [BIN, 'start', '--data', dataDir], {
    cwd: ROOT,
    env: { ...process.env, POSTYARD_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: LogLine[] = [];
  let text = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{')) log.push(JSON.parse(line) as LogLine);
      else text += `${line}\n`;
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = once(child, 'exit').then(([code]) => {
    exited = true;
    return code as number | null;
  });
  try {
    // Three node processes start here: on a loaded machine that takes a while (a hang guard only).
    await waitUntil(
      () => {
        if (exited) throw new Error(`server exited while starting:\n${text}\n${stderr}`);
        return text.includes('is running (pid');
      },
      'the server banner',
      120_000,
    );
  } catch (err) {
    child.kill('SIGTERM');
    throw err;
  }
  const ports: Record<string, number> = {};
  for (const line of log) {
    const name = (line.listener ?? line.protocol) as string | undefined;
    if (line.msg === 'listening' && name && typeof line.port === 'number') ports[name] = line.port;
  }
  const readyWorkers = () => {
    const ready = new Map<number, number>();
    for (const line of log) {
      if (line.msg === 'worker ready') ready.set(line.worker as number, line.pid as number);
    }
    return ready;
  };
  return {
    dataDir,
    child,
    ports,
    log,
    output: () => text,
    readyWorkers,
    async workerOf(localPort) {
      const remote = `127.0.0.1:${localPort}`;
      let worker: number | undefined;
      await waitUntil(() => {
        worker = log.find((line) => line.msg === 'connection opened' && line.remote === remote)?.worker;
        return worker !== undefined;
      }, `the log line of the connection from ${remote}`);
      return worker!;
    },
    async addUser(login, password, flags = []) {
      const result = await runCli(['user', 'add', login, '--password-stdin', '--data', dataDir, ...flags], {
        input: `${password}\n`,
      });
      if (result.code !== 0) throw new Error(`user add failed: ${result.stderr}`);
    },
    async deliver(to, message) {
      const result = await runCli(['deliver', '--to', to, '--data', dataDir], { input: message });
      if (result.code !== 0) throw new Error(`deliver failed: ${result.stderr}`);
    },
    async stop() {
      if (!exited) child.kill('SIGTERM');
      return exit;
    },
    remove: () => rm(dataDir, { recursive: true, force: true }),
  };
}
