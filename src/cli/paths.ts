/**
 * Where the data directory and the config file are: `--data`, else $POSTYARD_DATA, else ./data;
 * `--config`, else DATA/postyard.json.
 */
import { statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { configPath } from '../config/config.js';
import { isPermissionError, permissionProblem } from '../config/permissions.js';

/** Written by `start` while the server runs, so `doctor` can tell our ports from someone else's. */
export const PID_FILE_NAME = 'postyard.pid';

export interface DataPaths {
  dataDir: string;
  configFile: string;
  /** True when --config was given (then the config file is never created for the user). */
  explicitConfig: boolean;
}

export function resolvePaths(options: { data?: string; config?: string }): DataPaths {
  const dataDir = resolve(options.data ?? process.env.POSTYARD_DATA ?? 'data');
  const configFile = options.config ? resolve(options.config) : configPath(dataDir);
  return { dataDir, configFile, explicitConfig: options.config !== undefined };
}

/**
 * Whether the config file is there. A config we may not look at is an error, never "absent": treating
 * it as a first run would set up a second installation over someone else's data.
 */
export function configExists(paths: DataPaths): boolean {
  try {
    statSync(paths.configFile);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    if (isPermissionError(err))
      throw permissionProblem('read', paths.configFile, err, nearestExisting(paths.configFile));
    throw err;
  }
}

/** The closest ancestor of `path` that can be stat'ed (whose owner the message names). */
function nearestExisting(path: string): string {
  let dir = dirname(path);
  while (dirname(dir) !== dir) {
    try {
      statSync(dir);
      return dir;
    } catch {
      dir = dirname(dir);
    }
  }
  return dir;
}

export function pidFile(dataDir: string): string {
  return join(dataDir, PID_FILE_NAME);
}

/** How a command line the user should type refers to this data dir ('' for the default ./data). */
export function dataFlag(paths: DataPaths): string {
  if (paths.explicitConfig) return ` --config ${paths.configFile}`;
  if (paths.dataDir === resolve('data') && process.env.POSTYARD_DATA === undefined) return '';
  return ` --data ${paths.dataDir}`;
}
