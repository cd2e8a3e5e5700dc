/**
 * One POP3 session per maildrop (RFC 1939 8: the server acquires an exclusive lock on the maildrop),
 * unless config.pop3.concurrentSessions is 'snapshot'. In-process for now, keyed by store instance so
 * every POP3 listener on one store shares the locks; a multi-node deployment needs a store-level lock.
 */
import type { Store } from '../../store/store.js';

const locksByStore = new WeakMap<Store, Set<number>>();

/** Takes the lock, or returns null when another session holds it. The release function is idempotent. */
export function tryLockMaildrop(store: Store, accountId: number): (() => void) | null {
  let locks = locksByStore.get(store);
  if (!locks) {
    locks = new Set();
    locksByStore.set(store, locks);
  }
  if (locks.has(accountId)) return null;
  locks.add(accountId);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    locks.delete(accountId);
  };
}
