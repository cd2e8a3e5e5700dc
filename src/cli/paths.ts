/**
 * Where the data directory and the config file are: `--data`, else $POSTYARD_DATA, else ./data;
 * `--config`, else DATA/postyard.json.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configPath } from '../config/config.js';

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

export function configExists(paths: DataPaths): boolean {
  return existsSync(paths.configFile);
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
