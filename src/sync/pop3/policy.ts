/**
 * Which stored messages a POP3 run may delete (RFC 1939 DELE): never one that is not durably stored
 * locally; with leave-days, only those stored at least N days ago (by the injected clock).
 */
import type { Pop3Policy } from '../account.js';
import type { Pop3Record } from '../state/pop3-state.js';

const DAY_MS = 86_400_000;

export function dueForDeletion(policy: Pop3Policy, record: Pop3Record | undefined, now: number): boolean {
  if (!record || record.storedAt === null) return false;
  if (policy.kind === 'keep') return false;
  if (policy.kind === 'delete') return true;
  return now - record.storedAt >= policy.days * DAY_MS;
}

/** EXPIRE from CAPA (RFC 2449 §6.7): "30", "NEVER", "0 USER" → its value, or null when absent. */
export function expireFromCapa(capa: readonly string[] | null): string | null {
  const line = capa?.find((c) => /^EXPIRE\b/i.test(c));
  return line ? line.slice(6).trim() || null : null;
}

/** Days the server keeps mail (null for NEVER or unknown): a leave-days policy longer than that is moot. */
export function expireDays(expire: string | null): number | null {
  const match = expire ? /^(\d+)/.exec(expire) : null;
  return match ? Number(match[1]) : null;
}
