/**
 * First-run set-up shared by `init` and `start`: the data directory, a complete default config
 * (optionally with listener overrides from the command line), a self-signed certificate and an
 * initialised store.
 */
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { loadConfig, writeDefaultConfig } from '../config/config.js';
import type { Config } from '../config/types.js';
import { parsePort, ValueError } from '../lib/values.js';
import { generateSelfSigned } from '../server/net/tls.js';
import { CliError, EX } from './exit.js';
import type { DataPaths } from './paths.js';
import { openStore } from './runtime.js';

type ListenerName = keyof Config['listeners'];
export const LISTENER_NAMES: readonly ListenerName[] = [
  'imap',
  'imaps',
  'pop3',
  'pop3s',
  'smtp',
  'submission',
  'submissions',
  'lmtp',
  'http',
  'https',
];

export interface SetupOptions {
  hostname?: string;
  /** Address every listener binds (default 127.0.0.1). */
  bind?: string;
  /** `imap=11143`, `lmtp=0` (0 = any free port), `pop3s=off` (disabled). */
  ports?: string[];
  force?: boolean;
}

export interface SetupResult {
  config: Config;
  certificateCreated: boolean;
}

export const SETUP_OPTIONS = {
  hostname: { type: 'string' },
  bind: { type: 'string' },
  port: { type: 'string', multiple: true },
} as const;

export const SETUP_HELP = `  --hostname NAME      host name for greetings and the certificate (default: this machine's name)
  --bind ADDRESS       address all listeners bind (default: 127.0.0.1; 0.0.0.0 for every interface)
  --port NAME=PORT     set one listener's port; repeatable. NAME: ${LISTENER_NAMES.join(', ')};
                       PORT 0 = any free port, off = disabled`;

export async function setUp(paths: DataPaths, options: SetupOptions): Promise<SetupResult> {
  if (paths.explicitConfig) {
    throw new CliError(
      `init writes DATA/postyard.json; --config is for existing files (use --data)`,
      EX.USAGE,
    );
  }
  const overrides = parseListenerOverrides(options);
  const written = await writeDefaultConfig(paths.dataDir, {
    hostname: options.hostname,
    overwrite: options.force,
  });
  if (!written.created) {
    throw new CliError(`${written.path} already exists (use --force to overwrite it)`, EX.CANTCREAT);
  }
  let config: Config;
  try {
    if (overrides.length || options.bind) await patchListeners(written.path, overrides, options.bind);
    config = await loadConfig(paths.dataDir);
  } catch (err) {
    // A rejected --bind/--hostname must not leave a config behind that blocks the next `init`.
    await unlink(written.path).catch(() => {});
    throw err;
  }
  const cert = await generateSelfSigned(config.dataDir, config.hostname, { overwrite: options.force });
  // Opening the store creates its schema now, so a broken SQLite install shows up at init, not later.
  const store = await openStore(config);
  await store.close();
  return { config, certificateCreated: cert.created };
}

interface ListenerOverride {
  name: ListenerName;
  port: number | 'off';
}

function parseListenerOverrides(options: SetupOptions): ListenerOverride[] {
  return (options.ports ?? []).map((spec) => {
    const match = /^([a-z0-9]+)=(.+)$/i.exec(spec.trim());
    const name = match?.[1]?.toLowerCase() as ListenerName | undefined;
    if (!match || !name || !LISTENER_NAMES.includes(name)) {
      throw new ValueError(
        `invalid --port '${spec}' (NAME=PORT with NAME one of ${LISTENER_NAMES.join(', ')})`,
      );
    }
    const value = match[2]!.toLowerCase();
    return { name, port: value === 'off' ? 'off' : parsePort(value) };
  });
}

/** Edits the freshly written default file so every key stays visible to the admin. */
async function patchListeners(file: string, overrides: ListenerOverride[], bind?: string): Promise<void> {
  const json = JSON.parse(await readFile(file, 'utf8')) as {
    listeners: Record<string, Record<string, unknown>>;
  };
  for (const listener of Object.values(json.listeners)) if (bind) listener.host = bind;
  for (const { name, port } of overrides) {
    const listener = json.listeners[name]!;
    if (port === 'off') listener.enabled = false;
    else listener.port = port;
  }
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
