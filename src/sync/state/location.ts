/**
 * Where the sync state lives: `--state DIR`, else $POSTYARD_SYNC_STATE, else
 * $XDG_DATA_HOME/postyard/sync, else ~/.local/share/postyard/sync (XDG Base Directory defaults).
 * The directory is private (0700): it holds the state file and the password files.
 */
import { chmod, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

export const STATE_FILE = 'state.sqlite';

export function stateDirectory(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (explicit) return resolve(explicit);
  if (env.POSTYARD_SYNC_STATE) return resolve(env.POSTYARD_SYNC_STATE);
  const dataHome = env.XDG_DATA_HOME?.startsWith('/')
    ? env.XDG_DATA_HOME
    : join(homedir(), '.local', 'share');
  return join(dataHome, 'postyard', 'sync');
}

export async function ensureStateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}
