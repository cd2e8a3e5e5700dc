/**
 * Loading the one config file (`<dataDir>/postyard.json`): defaults for every key, strict validation
 * (unknown keys and bad values stop the start with a message naming the key), relative paths resolved
 * against the data directory.
 */
import { access, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../lib/errors.js';
import { configSchema } from './config-schema.js';
import { findJsonSyntaxProblem } from './json-error.js';
import { isPermissionError, permissionProblem } from './permissions.js';
import { parseNode } from './schema.js';
import type { Config, ListenerConfig } from './types.js';

export const CONFIG_FILE_NAME = 'postyard.json';

/** Recursive Partial for overrides (tests, CLI flags). Arrays are replaced, not merged. */
export type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** Where the config file of a data directory lives. */
export function configPath(dataDir: string): string {
  return join(resolve(dataDir), CONFIG_FILE_NAME);
}

/**
 * Validates a parsed JSON value and fills defaults. `dataDir` is used when the file has no `dataDir`
 * key; a relative `dataDir` in the file is taken relative to `baseDir` (the file's directory).
 * Throws ConfigError naming the offending key.
 */
export function parseConfig(raw: unknown, options: { dataDir: string; baseDir?: string }): Config {
  const config = parseNode(configSchema, raw, '');
  const baseDir = resolve(options.baseDir ?? options.dataDir);
  config.dataDir = config.dataDir ? resolve(baseDir, config.dataDir) : resolve(options.dataDir);
  config.tls.cert = resolveIn(config.dataDir, config.tls.cert);
  config.tls.key = resolveIn(config.dataDir, config.tls.key);
  if (config.log.file) config.log.file = resolveIn(config.dataDir, config.log.file);
  config.localDomains = config.localDomains.map((d) => d.toLowerCase().replace(/\.$/, ''));
  checkCrossFieldRules(config);
  return config;
}

/** The configuration used when the file sets nothing. */
export function defaultConfig(dataDir: string): Config {
  return parseConfig({}, { dataDir });
}

/** Where to load the config from: a data directory (its postyard.json), or an explicit file. */
export type ConfigSource = string | { dataDir?: string; configFile?: string };

/**
 * Reads and validates the config: `loadConfig(dataDir)` reads `<dataDir>/postyard.json`;
 * `loadConfig({ configFile })` reads that file, with the data directory defaulting to the file's
 * directory (or the file's own `dataDir` key). Throws ConfigError when the file is missing, is not JSON,
 * or fails validation.
 */
export async function loadConfig(source: ConfigSource, options: { file?: string } = {}): Promise<Config> {
  const spec = typeof source === 'string' ? { dataDir: source, configFile: options.file } : source;
  const file = spec.configFile ? resolve(spec.configFile) : configPath(spec.dataDir ?? '.');
  const dataDir = spec.dataDir ?? dirname(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (isPermissionError(err)) throw permissionProblem('read', file, err);
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code === 'ENOENT' ? ' (run "postyard init" to create it)' : '';
    throw new ConfigError(`config: cannot read ${file}: ${code ?? String(err)}${hint}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const where = findJsonSyntaxProblem(text);
    const detail = where
      ? `line ${where.line}, column ${where.column}: ${where.problem}`
      : (err as Error).message;
    throw new ConfigError(`config: ${file} is not valid JSON: ${detail}`, { cause: err });
  }
  return parseConfig(raw, { dataDir, baseDir: dirname(file) });
}

/**
 * Writes a complete default config file for `postyard init` (every key spelled out so the admin sees
 * what can be set). Paths stay relative to the data directory so the directory can be moved.
 * Does not overwrite an existing file unless `overwrite`; returns whether a file was written.
 */
export async function writeDefaultConfig(
  dataDir: string,
  options: { hostname?: string; overwrite?: boolean } = {},
): Promise<{ path: string; created: boolean }> {
  const path = configPath(dataDir);
  // 0711: others may reach tls/cert.pem (public) by its path, but not list the directory; everything
  // private in it has its own owner-only mode (config, database, blobs/, the key).
  await mkdir(dirname(path), { recursive: true, mode: 0o711 });
  if (!options.overwrite && (await exists(path))) return { path, created: false };
  // Write then rename, so a crash never leaves a half-written config behind.
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, defaultFileContent(options.hostname), { mode: 0o600 });
  await rename(tmp, path);
  return { path, created: true };
}

/** The JSON written by writeDefaultConfig. */
export function defaultFileContent(hostname?: string): string {
  const { dataDir: _dataDir, ...rest } = parseNode(configSchema, {}, '');
  const file = { ...rest, hostname: hostname ?? rest.hostname };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Deep-merges overrides into a plain config object (arrays and scalars replace). */
export function mergeConfig<T>(base: T, overrides: NoInfer<DeepPartial<T>> | undefined): T {
  if (overrides === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    out[key] = mergeConfig((base as Record<string, unknown>)[key], value as never);
  }
  return out as T;
}

/** A listener runs unless `enabled` is false. Port 0 means "any free port", not "off". */
export function listenerEnabled(listener: ListenerConfig): boolean {
  return listener.enabled !== false;
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function resolveIn(dataDir: string, path: string): string {
  return isAbsolute(path) ? path : resolve(dataDir, path);
}

function checkCrossFieldRules(config: Config): void {
  // Refused at load, not at the first store access, so `doctor` and `start` say it before anything runs.
  if (config.store.backend === 'postgres' && !config.store.postgresUrl) {
    throw new ConfigError(
      'config: store.postgresUrl is required when store.backend is "postgres" (postgres://user:password@host/db)',
    );
  }
  if (config.store.postgresUrl && !/^postgres(ql)?:\/\//.test(config.store.postgresUrl)) {
    throw new ConfigError('config: store.postgresUrl must start with postgres:// or postgresql://');
  }
  const retry = config.outgoing.retry;
  if (retry.maxMinutes < retry.firstMinutes) {
    throw new ConfigError(
      'config: outgoing.retry.maxMinutes must not be less than outgoing.retry.firstMinutes',
    );
  }
  const seen = new Map<string, string>();
  for (const [name, l] of Object.entries(config.listeners)) {
    if (!listenerEnabled(l) || l.port === 0) continue;
    const key = `${l.host}:${l.port}`;
    const other = seen.get(key);
    if (other) {
      throw new ConfigError(`config: listeners.${name}.port ${l.port} is already used by listeners.${other}`);
    }
    seen.set(key, name);
  }
}
