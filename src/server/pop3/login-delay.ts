/**
 * LOGIN-DELAY (RFC 2449 6.5): the minimum seconds between logins we advertise, enforced with
 * `-ERR [LOGIN-DELAY]` (RFC 2449 8.1.2). Remembers the last successful login per account, in-process.
 */
import type { Store } from '../../store/store.js';

const lastLoginByStore = new WeakMap<Store, Map<number, number>>();
/** Bound so a server with many accounts does not grow this map forever; oldest entries go first. */
const MAX_TRACKED = 100_000;

export function loginTooSoon(
  store: Store,
  accountId: number,
  delaySeconds: number,
  now = Date.now(),
): boolean {
  if (delaySeconds <= 0) return false;
  const last = lastLoginByStore.get(store)?.get(accountId);
  return last !== undefined && now - last < delaySeconds * 1000;
}

export function recordLogin(store: Store, accountId: number, now = Date.now()): void {
  let map = lastLoginByStore.get(store);
  if (!map) {
    map = new Map();
    lastLoginByStore.set(store, map);
  }
  map.delete(accountId);
  map.set(accountId, now);
  if (map.size > MAX_TRACKED) map.delete(map.keys().next().value!);
}
