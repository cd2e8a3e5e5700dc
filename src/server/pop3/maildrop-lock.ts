/**
 * One POP3 session per maildrop (RFC 1939 8: the server acquires an exclusive lock on the maildrop),
 * unless config.pop3.concurrentSessions is 'snapshot'. The lock is the coordinator's
 * (src/bus/coordinator.ts), so it holds across cluster workers and PostgreSQL nodes.
 */
import type { Coordinator, Release } from '../../bus/coordinator.js';

/** Takes the lock, or resolves to null when another session holds it. The release function is idempotent. */
export function tryLockMaildrop(
  coordinator: Pick<Coordinator, 'tryLock'>,
  accountId: number,
): Promise<Release | null> {
  return coordinator.tryLock(`pop3-maildrop:${accountId}`);
}
