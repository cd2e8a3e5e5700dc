/**
 * POP3 sessions per maildrop. By default one (RFC 1939 8: the server acquires an exclusive lock on the
 * maildrop); in snapshot mode several, up to limits.maxConnectionsPerUser. In-process for now, keyed by
 * store instance so every POP3 listener on one store shares the counts; a multi-node deployment needs a
 * store-level lock instead.
 */
import type { Store } from '../../store/store.js';

const sessionsByStore = new WeakMap<Store, Map<number, number>>();

/**
 * Registers a session for the account, or returns null when the maildrop is taken (`exclusive`) or the
 * account already has `max` sessions. The release function is idempotent.
 */
export function tryLockMaildrop(
  store: Store,
  accountId: number,
  options: { exclusive: boolean; max: number },
): (() => void) | null {
  let sessions = sessionsByStore.get(store);
  if (!sessions) {
    sessions = new Map();
    sessionsByStore.set(store, sessions);
  }
  const current = sessions.get(accountId) ?? 0;
  if (current >= (options.exclusive ? 1 : Math.max(1, options.max))) return null;
  sessions.set(accountId, current + 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const left = (sessions.get(accountId) ?? 1) - 1;
    if (left <= 0) sessions.delete(accountId);
    else sessions.set(accountId, left);
  };
}
