/**
 * The account password, which never appears in argv, the state database or a log: either a file
 * STATE/passwords/NAME (mode 0600, in a 0700 directory), written by `sync add` from stdin or a
 * prompt, or the name of an environment variable read at each run (`--password-env VAR`).
 */
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../lib/errors.js';
import type { AccountConfig } from './account.js';

export function passwordFile(stateDir: string, account: string): string {
  return join(stateDir, 'passwords', account);
}

export async function storePassword(stateDir: string, account: string, password: string): Promise<void> {
  const dir = join(stateDir, 'passwords');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const file = passwordFile(stateDir, account);
  await writeFile(file, password, { mode: 0o600 });
  await chmod(file, 0o600); // an existing file keeps its mode on writeFile
}

export async function removePassword(stateDir: string, account: string): Promise<void> {
  await rm(passwordFile(stateDir, account), { force: true });
}

export async function loadPassword(
  stateDir: string,
  account: AccountConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  if (account.password.kind === 'env') {
    const value = env[account.password.variable];
    if (!value) {
      throw new ConfigError(`${account.name}: the password variable ${account.password.variable} is not set`);
    }
    return value;
  }
  try {
    return await readFile(passwordFile(stateDir, account.name), 'utf8');
  } catch {
    throw new ConfigError(
      `${account.name}: no stored password (${passwordFile(stateDir, account.name)}); add the account again`,
    );
  }
}
