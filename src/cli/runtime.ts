/**
 * The composition root for one-shot admin commands: config → store backend → auth service.
 * The only place that picks a concrete store backend (openStore).
 */
import pino, { type Logger } from 'pino';
import type { ChangeBus } from '../bus/bus.js';
import { LocalBus } from '../bus/local.js';
import { loadConfig } from '../config/config.js';
import type { Config } from '../config/types.js';
import type { AuthService } from '../server/auth/auth.js';
import { type AuthServiceOptions, createAuthService } from '../server/auth/service.js';
import type { RunningServer, StartServerOptions } from '../server/server.js';
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

/** Picks the backend named by the config; `bus` carries change notifications (the server passes one). */
export async function openStore(config: Config, bus?: ChangeBus): Promise<Store> {
  if (config.store.backend !== 'sqlite') {
    throw new CliError(
      `config: store.backend "${config.store.backend}" is not available in this build`,
      EX.CONFIG,
    );
  }
  return await openSqliteStore({ dataDir: config.dataDir, bus });
}

/**
 * config → bus → store backend → running server: the one composition used by `postyard serve` and by
 * tests that run a whole server. The server itself never picks a backend.
 */
export async function startConfiguredServer(
  config: Config,
  options: { log?: Logger; auth?: AuthServiceOptions; outgoing?: StartServerOptions['outgoing'] } = {},
): Promise<RunningServer> {
  // Loaded here, not at the top: admin commands should not pay for (or depend on) the protocol servers.
  const { startServer } = await import('../server/server.js');
  const bus = new LocalBus();
  const store = await openStore(config, bus);
  return startServer(config, { ...options, store, bus });
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
