/**
 * Mailbox names as clients send them, checked before they reach the store (issue 5: "Mailbox names are
 * validated"). Names here are already decoded to UTF-8 (modified UTF-7 is undone by the caller).
 * RFC 9051 §5.1: INBOX is case-insensitive; "/" is our hierarchy delimiter (store.ts HIERARCHY_DELIMITER).
 */
import { HIERARCHY_DELIMITER } from '../../store/store.js';

/** Bounds: generous for real folder trees, small enough that no name can hurt the store or a log line. */
export const MAX_MAILBOX_NAME_BYTES = 1000;
export const MAX_MAILBOX_LEVEL_BYTES = 255;
export const MAX_MAILBOX_DEPTH = 32;

/** Lone surrogates (bad UTF-7) or U+FFFD (bad UTF-8 decoded leniently). */
const NOT_WELL_FORMED = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]|\uFFFD/;

export type MailboxNameCheck = { ok: true; name: string } | { ok: false; reason: string };

/** Canonical form: any case of "INBOX" (also as first level) becomes "INBOX". */
export function normalizeMailboxName(name: string): string {
  if (name.length < 5) return name;
  const head = name.slice(0, 5);
  if (head.toUpperCase() !== 'INBOX') return name;
  if (name.length === 5) return 'INBOX';
  return name[5] === HIERARCHY_DELIMITER ? `INBOX${name.slice(5)}` : name;
}

/**
 * Validates a name that names an existing or new mailbox. `forCreate` allows one trailing delimiter
 * (RFC 9051 §6.3.4: "CREATE foo/" declares foo as a parent), which is removed.
 */
export function checkMailboxName(raw: string, options: { forCreate?: boolean } = {}): MailboxNameCheck {
  let name = raw;
  if (options.forCreate && name.length > 1 && name.endsWith(HIERARCHY_DELIMITER)) name = name.slice(0, -1);
  if (name.length === 0) return { ok: false, reason: 'Mailbox name is empty' };
  if (Buffer.byteLength(name) > MAX_MAILBOX_NAME_BYTES)
    return { ok: false, reason: 'Mailbox name is too long' };
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name))
    return { ok: false, reason: 'Mailbox name contains control characters' };
  if (/[*%]/.test(name)) return { ok: false, reason: 'Mailbox name contains a wildcard character' };
  if (NOT_WELL_FORMED.test(name)) return { ok: false, reason: 'Mailbox name is not valid UTF-8' };
  const levels = name.split(HIERARCHY_DELIMITER);
  if (levels.length > MAX_MAILBOX_DEPTH) return { ok: false, reason: 'Mailbox name is nested too deeply' };
  for (const level of levels) {
    if (level.length === 0) return { ok: false, reason: 'Mailbox name has an empty hierarchy level' };
    if (level === '.' || level === '..') return { ok: false, reason: 'Mailbox name has a "." or ".." level' };
    if (Buffer.byteLength(level) > MAX_MAILBOX_LEVEL_BYTES) {
      return { ok: false, reason: 'Mailbox name has a level that is too long' };
    }
  }
  return { ok: true, name: normalizeMailboxName(name) };
}

/** Parent names of a mailbox, nearest last: "a/b/c" → ["a", "a/b"]. */
export function parentNames(name: string): string[] {
  const levels = name.split(HIERARCHY_DELIMITER);
  const parents: string[] = [];
  for (let i = 1; i < levels.length; i++) parents.push(levels.slice(0, i).join(HIERARCHY_DELIMITER));
  return parents;
}
