/**
 * The composition root for one-shot admin commands: config → store backend → auth service.
 * The only place that picks a concrete store backend (openStore).
 */

import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { ChangeBus } from '../bus/bus.js';
import { ClusterBus } from '../bus/cluster.js';
import { ClusterCoordinator } from '../bus/cluster-coordinator.js';
import type { WorkerChannel } from '../bus/cluster-messages.js';
import { LocalBus } from '../bus/local.js';
import { loadConfig } from '../config/config.js';
import { isPermissionError, permissionProblem } from '../config/permissions.js';
import type { Config } from '../config/types.js';
import type { AuthService } from '../server/auth/auth.js';
import { type AuthServiceOptions, createAuthService } from '../server/auth/service.js';
import { createRootLogger } from '../server/logging.js';
import type { RunningServer, StartServerOptions } from '../server/server.js';
import { DATABASE_FILE } from '../store/sqlite/database.js';
import { openSqliteStore } from '../store/sqlite/index.js';
import type { Account, Store } from '../store/store.js';
import { CliError, EX } from './exit.js';
import { cliCommand } from './invocation.js';
import { configExists, type DataPaths } from './paths.js';

export interface Runtime {
  paths: DataPaths;
  config: Config;
  store: Store;
  auth: AuthService;
  log: Logger;
  close(): Promise<void>;
}

/** Loads and validates the config; a missing one points at `postyard init`. */
export async function loadCliConfig(paths: DataPaths): Promise<Config> {
  if (!configExists(paths)) {
    throw new CliError(`no config at ${paths.configFile} (run \`${cliCommand()} init\` first)`, EX.CONFIG);
  }
  return paths.explicitConfig
    ? await loadConfig({ configFile: paths.configFile })
    : await loadConfig(paths.dataDir);
}

/**
 * Picks the backend named by the config; the server passes the `bus` that carries change notifications
 * and the `log` for background failures.
 */
export async function openStore(
  config: Config,
  extra: { bus?: ChangeBus; log?: Logger; clusterWorker?: boolean } = {},
): Promise<Store> {
  assertWritable(config.dataDir);
  if (config.store.backend === 'postgres') {
    // Loaded only for this backend: a SQLite install never loads pg.
    const [{ openPostgresStore }, { PostgresBus }] = await Promise.all([
      import('../store/postgres/index.js'),
      import('../bus/postgres.js'),
    ]);
    const url = postgresUrl(config);
    const base = { dataDir: config.dataDir, url, blobs: config.store.blobs };
    if (extra.bus) return await openPostgresStore({ ...base, ...extra });
    // An admin command (deliver, user, import...) is a writer like any node: its changes must reach
    // the running nodes, so it gets a bus of its own, closed with the store.
    const bus = await PostgresBus.open(url, extra.log);
    try {
      return await openPostgresStore({ ...base, ...extra, bus, ownsBus: true });
    } catch (err) {
      await bus.close();
      throw err;
    }
  }
  return await openSqliteStore({ dataDir: config.dataDir, ...extra });
}

function postgresUrl(config: Config): string {
  if (!config.store.postgresUrl) throw new CliError('config: store.postgresUrl is not set', EX.CONFIG);
  return config.store.postgresUrl;
}

/**
 * config → bus → store backend → running server: the one composition used by `postyard serve` and by
 * tests that run a whole server. The server itself never picks a backend.
 */
export async function startConfiguredServer(
  config: Config,
  options: {
    log?: Logger;
    auth?: AuthServiceOptions;
    outgoing?: StartServerOptions['outgoing'];
    memoryReclaim?: StartServerOptions['memoryReclaim'];
    /** This process is a cluster worker talking to its primary over this channel (SQLite workers). */
    clusterChannel?: WorkerChannel;
  } = {},
): Promise<RunningServer> {
  // Loaded here, not at the top: admin commands should not pay for (or depend on) the protocol servers.
  const { startServer } = await import('../server/server.js');
  const log = options.log ?? createRootLogger(config.log);
  const { clusterChannel, ...serverOptions } = options;
  if (config.store.backend === 'postgres') {
    // Nodes on one PostgreSQL: the store first (it migrates the schema the coordinator uses), then the
    // bus and coordinator that reach the other nodes (src/server/cluster/README.md).
    const [{ PostgresBus }, { PostgresCoordinator }] = await Promise.all([
      import('../bus/postgres.js'),
      import('../bus/postgres-coordinator.js'),
    ]);
    const url = postgresUrl(config);
    const bus = await PostgresBus.open(url, log);
    let store: Store | undefined;
    try {
      store = await openStore(config, { bus, log });
      const coordinator = await PostgresCoordinator.open(url, { log });
      // Workers on PostgreSQL are nodes like any other: the database coordinates them.
      return await startServer(config, { ...serverOptions, log, store, bus, coordinator });
    } catch (err) {
      await store?.close().catch(() => {});
      await bus.close();
      throw err;
    }
  }
  if (clusterChannel) {
    // A worker: changes and coordination go through the primary, which also watches other writers.
    const bus = new ClusterBus(clusterChannel, log);
    const coordinator = new ClusterCoordinator(clusterChannel);
    const store = await openStore(config, { bus, log, clusterWorker: true });
    return startServer(config, { ...serverOptions, log, store, bus, coordinator });
  }
  const bus = new LocalBus(log);
  const store = await openStore(config, { bus, log });
  return startServer(config, { ...serverOptions, log, store, bus });
}

/** The store writes its database, WAL and blobs there (even to read, SQLite's WAL needs to write). */
function assertWritable(dataDir: string): void {
  try {
    accessSync(dataDir, constants.W_OK | constants.X_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // created by the store
    if (isPermissionError(err)) throw permissionProblem('write', join(dataDir, DATABASE_FILE), err, dataDir);
    throw err;
  }
}

/** Admin commands log warnings only, to stderr, so their stdout stays clean for scripts. */
export function cliLogger(): Logger {
  return pino(
    { level: process.env.POSTYARD_DEBUG === '1' ? 'debug' : 'warn' },
    pino.destination({ fd: 2, sync: true }),
  );
}

export async function openRuntime(paths: DataPaths): Promise<Runtime> {
  const config = await loadCliConfig(paths);
  const log = cliLogger();
  const store = await openStore(config);
  const auth = createAuthService(store, config, log);
  return { paths, config, store, auth, log, close: () => store.close() };
}

/** Runs `work` with an open runtime and always closes the store. */
export async function withRuntime<T>(paths: DataPaths, work: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await openRuntime(paths);
  try {
    return await work(rt);
  } finally {
    await rt.close();
  }
}

export async function requireAccount(store: Store, login: string): Promise<Account> {
  const account = await store.getAccount(login.toLowerCase());
  if (!account) throw new CliError(`no account ${login.toLowerCase()}`, EX.NOUSER);
  return account;
}
