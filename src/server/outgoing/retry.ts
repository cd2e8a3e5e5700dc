/**
 * The retry schedule (RFC 5321 4.5.4.1: retry at least 30 minutes apart, give up after 4-5 days):
 * the first retry after `firstMinutes`, each later one twice as late up to `maxMinutes`, and nothing
 * after `expireHours` from the message's arrival. Pure: callers pass the time.
 */
import type { OutgoingConfig } from '../../config/types.js';

export type RetryPolicy = OutgoingConfig['retry'];

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** When to try again after a failed attempt number `attempts` (1 = the first attempt just failed). */
export function nextAttemptAt(policy: RetryPolicy, createdAt: number, attempts: number, now: number): number {
  const doublings = Math.min(Math.max(attempts - 1, 0), 30);
  const delay = Math.min(policy.firstMinutes * 2 ** doublings, policy.maxMinutes) * MINUTE;
  // The last attempt happens at the expiry time itself, not a whole backoff later.
  return Math.max(now, Math.min(now + delay, expiresAt(policy, createdAt)));
}

/** When a message that arrived at `createdAt` stops being retried. */
export function expiresAt(policy: RetryPolicy, createdAt: number): number {
  return createdAt + policy.expireHours * HOUR;
}

export function isExpired(policy: RetryPolicy, createdAt: number, now: number): boolean {
  return now >= expiresAt(policy, createdAt);
}

/** Whether the one delay warning is due: enabled, not sent yet, and the message is old enough. */
export function delayWarningDue(
  policy: RetryPolicy,
  message: { createdAt: number; warnedAt: number | null },
  now: number,
): boolean {
  if (policy.delayWarningHours <= 0 || message.warnedAt !== null) return false;
  return now - message.createdAt >= policy.delayWarningHours * HOUR;
}
