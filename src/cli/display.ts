/** How accounts and mailboxes are shown by the list commands. */
import { HIERARCHY_DELIMITER } from '../store/store.js';

export function describeRetention(days: number | null): string {
  return days === null ? 'forever' : `${days} days`;
}

/** INBOX (and its children) first, then the rest by name, as mail clients show them. */
export function inboxFirst<T extends { name: string }>(mailboxes: readonly T[]): T[] {
  const rank = (m: T) => (m.name === 'INBOX' || m.name.startsWith(`INBOX${HIERARCHY_DELIMITER}`) ? 0 : 1);
  return [...mailboxes].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
