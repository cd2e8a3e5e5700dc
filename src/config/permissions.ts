/**
 * Permission problems said in words a person can act on: whose file it is and what its mode is, and
 * what to do about it (run as that user, or fix the permissions), instead of a bare EACCES.
 */
import { readFileSync, statSync } from 'node:fs';
import { NotAllowedError } from '../lib/errors.js';

const PERMISSION_CODES = new Set(['EACCES', 'EPERM', 'EROFS']);

export function isPermissionError(err: unknown): boolean {
  return PERMISSION_CODES.has((err as NodeJS.ErrnoException | null)?.code ?? '');
}

/** "owned by uid 1000 (alice), mode 0600", or the nearest ancestor we can stat. */
export function describeOwner(path: string): string {
  try {
    const info = statSync(path);
    const name = userName(info.uid);
    return `owned by uid ${info.uid}${name ? ` (${name})` : ''}, mode ${(info.mode & 0o7777).toString(8).padStart(4, '0')}`;
  } catch {
    return 'not accessible to this user';
  }
}

/** `cannot read|write PATH: permission denied (owner...): run as ... or fix the permissions`. */
export function permissionProblem(
  action: 'read' | 'write',
  path: string,
  err: unknown,
  ownerOf = path,
): NotAllowedError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'EROFS') {
    return new NotAllowedError(`cannot ${action} ${path}: the file system is read-only`, { cause: err });
  }
  let uid: number | null = null;
  try {
    uid = statSync(ownerOf).uid;
  } catch {
    // The owner cannot be found out either; the advice stays general.
  }
  const me = process.getuid?.();
  const advice =
    uid !== null && uid !== me
      ? `run postyard as its owner (uid ${uid}${userName(uid) ? `, ${userName(uid)}` : ''}) or fix the permissions`
      : 'fix the permissions';
  return new NotAllowedError(
    `cannot ${action} ${path}: permission denied (${describeOwner(ownerOf)}): ${advice}`,
    { cause: err },
  );
}

function userName(uid: number): string | null {
  try {
    for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (id !== undefined && Number(id) === uid) return name ?? null;
    }
  } catch {
    // No /etc/passwd (not Unix-like): the uid alone will do.
  }
  return null;
}
