/**
 * The conflict rules of a two-way IMAP ↔ Maildir sync, as pure functions (README "The recommended
 * setup" documents them for users):
 * - Flags: a three-way merge per flag against the flags both sides last agreed on. A flag changed on
 *   one side takes that side's value; changed on both sides, the server wins. The local change is sent
 *   with UNCHANGEDSINCE (RFC 7162 §3.1.3), so a server change that happens after we looked still wins.
 * - A deletion never destroys a message changed on the other side: deleted locally but changed on the
 *   server → downloaded again; expunged on the server but changed locally → uploaded again.
 */
import { canonicalFlags, isMaildirFlag } from '../maildir/flags.js';

/** Per-flag three-way merge of the flags a Maildir name can carry. */
export function mergeFlags(
  base: readonly string[],
  local: readonly string[],
  server: readonly string[],
): string[] {
  const b = lowerSet(base);
  const l = lowerSet(local);
  const s = lowerSet(server);
  const result: string[] = [];
  for (const flag of canonicalFlags([...base, ...local, ...server])) {
    const key = flag.toLowerCase();
    const serverChanged = b.has(key) !== s.has(key);
    const localChanged = b.has(key) !== l.has(key);
    const keep = serverChanged ? s.has(key) : localChanged ? l.has(key) : b.has(key);
    if (keep) result.push(flag);
  }
  return result;
}

/** Splits server flags into what the Maildir name carries and the keywords kept in the state. */
export function splitServerFlags(flags: Iterable<string>): { system: string[]; keywords: string[] } {
  const all = canonicalFlags(flags);
  return { system: all.filter(isMaildirFlag), keywords: all.filter((f) => !isMaildirFlag(f)) };
}

export interface FlagDelta {
  add: string[];
  remove: string[];
}

/** What STORE must do to turn `from` into `to` (case-insensitive). */
export function flagDelta(from: readonly string[], to: readonly string[]): FlagDelta {
  const f = lowerSet(from);
  const t = lowerSet(to);
  return {
    add: to.filter((flag) => !f.has(flag.toLowerCase())),
    remove: from.filter((flag) => !t.has(flag.toLowerCase())),
  };
}

export function sameFlags(a: readonly string[], b: readonly string[]): boolean {
  // Both sides are usually canonical (same spelling, same order): compare without building sets.
  if (a.length === b.length && a.every((flag, i) => flag === b[i])) return true;
  const d = flagDelta(a, b);
  return d.add.length === 0 && d.remove.length === 0;
}

function lowerSet(flags: readonly string[]): Set<string> {
  return new Set(flags.map((f) => f.toLowerCase()));
}
