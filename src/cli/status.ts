/**
 * `postyard status` (is it running, since when, what answers on which port, how big the store is) and
 * `postyard stop` (SIGTERM to the pid in DATA/postyard.pid, then wait until it is gone).
 * status exits 0 when running and 3 when not (the LSB convention service managers and scripts use).
 */
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { listenerEnabled } from '../config/config.js';
import type { Config } from '../config/types.js';
import { formatSize } from '../lib/values.js';
import { DATABASE_FILE } from '../store/sqlite/database.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, EX } from './exit.js';
import { describeListenerName } from './listen-problem.js';
import { resolvePaths } from './paths.js';
import { runningServerPid, serverStartedAt } from './pid-file.js';
import { loadCliConfig, withRuntime } from './runtime.js';
import { formatTable } from './table.js';

/** LSB init-script status code for "program is not running". */
const NOT_RUNNING = 3;

export const status: Command = {
  name: 'status',
  summary: 'is the server running: pid, uptime, listeners, store size',
  usage: 'status [--data DIR]',
  help: `Says whether a server runs on this data directory (from DIR/postyard.pid), since when, which
listeners answer on their ports, and how much the store holds. Exit code 0 when running, 3 when not.
${DATA_HELP}

Example:
  postyard status`,
  async run(args) {
    const { values } = parseCommandArgs(this, args, DATA_OPTIONS);
    const paths = resolvePaths(values);
    const config = await loadCliConfig(paths);
    const pid = runningServerPid(config.dataDir);
    if (pid === null) console.log(`Postyard is not running on ${config.dataDir}`);
    else {
      const started = serverStartedAt(config.dataDir);
      const since = started ? `, up ${describeDuration(Date.now() - started.getTime())}` : '';
      console.log(`Postyard is running (pid ${pid}${since})`);
    }
    console.log(`  data dir: ${config.dataDir}`);
    console.log(`  config:   ${paths.configFile}`);
    if (pid !== null) {
      console.log('');
      const rows = await listenerRows(config);
      console.log(indent(formatTable(['LISTENER', 'ADDRESS', 'STATE'], rows)));
    }
    console.log('');
    console.log(`  store:    ${await describeStore(paths, config)}`);
    return pid === null ? NOT_RUNNING : EX.OK;
  },
};

export const stop: Command = {
  name: 'stop',
  summary: 'stop the running server (SIGTERM) and wait until it has stopped',
  usage: 'stop [--data DIR] [--timeout SECONDS]',
  help: `Sends SIGTERM to the server of this data directory (its pid is in DIR/postyard.pid): it stops
accepting, says goodbye to every session, finishes deliveries in progress and exits. Waits for that.

  --timeout SECONDS    how long to wait before giving up (default 30; the server itself gives
                       sessions 10 seconds)
${DATA_HELP}

Example:
  postyard stop`,
  async run(args) {
    const options = { ...DATA_OPTIONS, timeout: { type: 'string' } } as const;
    const { values } = parseCommandArgs(this, args, options);
    const timeoutMs = values.timeout === undefined ? 30_000 : Number(values.timeout) * 1000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new CliError(`invalid --timeout '${values.timeout}' (seconds)`, EX.USAGE);
    }
    const config = await loadCliConfig(resolvePaths(values));
    const pid = runningServerPid(config.dataDir);
    if (pid === null) {
      console.log(`Postyard is not running on ${config.dataDir}`);
      return EX.OK;
    }
    try {
      process.kill(pid, 'SIGTERM');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EPERM') {
        throw new CliError(
          `cannot stop pid ${pid}: it belongs to another user (run as that user)`,
          EX.NOPERM,
        );
      }
      throw err;
    }
    const deadline = Date.now() + timeoutMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        throw new CliError(`pid ${pid} is still running after ${timeoutMs / 1000} s`, EX.TEMPFAIL);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.log(`stopped Postyard (pid ${pid})`);
    return EX.OK;
  },
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Each enabled listener: does something accept a connection on its port right now? */
async function listenerRows(config: Config): Promise<string[][]> {
  const rows: string[][] = [];
  for (const [name, listener] of Object.entries(config.listeners)) {
    const label = describeListenerName(name);
    if (!listenerEnabled(listener)) {
      rows.push([label, '-', 'disabled']);
      continue;
    }
    const address = `${listener.host}:${listener.port}`;
    if (listener.port === 0) {
      rows.push([label, address, 'any free port (see the start banner)']);
      continue;
    }
    rows.push([
      label,
      address,
      (await accepts(listener.host, listener.port)) ? 'accepting' : 'NOT ANSWERING',
    ]);
  }
  return rows;
}

function accepts(host: string, port: number): Promise<boolean> {
  const target = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return new Promise((resolve) => {
    const socket = connect({ host: target, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function describeStore(paths: ReturnType<typeof resolvePaths>, config: Config): Promise<string> {
  const databaseBytes = ['', '-wal']
    .map((suffix) => fileSize(join(config.dataDir, `${DATABASE_FILE}${suffix}`)))
    .reduce((a, b) => a + b, 0);
  return withRuntime(paths, async ({ store }) => {
    let messages = 0;
    let bytes = 0;
    const accounts = await store.listAccounts();
    for (const account of accounts) {
      const usage = await store.getQuotaUsage(account.id);
      messages += usage.messages;
      bytes += usage.bytes;
    }
    return (
      `${accounts.length} account${accounts.length === 1 ? '' : 's'}, ${messages} message${messages === 1 ? '' : 's'} ` +
      `(${formatSize(bytes)} of mail), database ${formatSize(databaseBytes)}`
    );
  });
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** 3725000 → "1 h 2 min". */
export function describeDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.floor(ms / 1000))} s`;
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} days ${hours % 24} h`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}
