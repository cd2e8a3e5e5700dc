/**
 * LIST/LSUB patterns (RFC 9051 §6.3.9): "*" matches anything, "%" anything but the hierarchy delimiter.
 * Matching is a dynamic programme over (name, pattern) so patterns like "*a*a*a*b" cannot blow up.
 * INBOX is case-insensitive (§5.1), so the first five characters of an INBOX name match case-insensitively.
 */
import { HIERARCHY_DELIMITER } from '../../store/store.js';

/** Joins LIST's reference and pattern: a pattern starting with the delimiter is absolute. */
export function joinReference(reference: string, pattern: string): string {
  if (reference === '' || pattern.startsWith(HIERARCHY_DELIMITER)) return pattern;
  return reference + pattern;
}

export class ListPattern {
  private readonly pattern: string;

  constructor(pattern: string) {
    // Collapse runs of "*" (equivalent) to keep the table small.
    this.pattern = pattern.replace(/\*+/g, '*');
  }

  matches(name: string): boolean {
    const p = this.pattern;
    const inboxPrefix = /^INBOX(?:\/|$)/i.test(name) ? 5 : 0;
    // prev[j]: name[0..i) matches pattern[0..j).
    let prev = new Uint8Array(p.length + 1);
    let next = new Uint8Array(p.length + 1);
    prev[0] = 1;
    for (let j = 1; j <= p.length && p[j - 1] === '*'; j++) prev[j] = 1;
    for (let i = 1; i <= name.length; i++) {
      next.fill(0);
      const c = name[i - 1] as string;
      for (let j = 1; j <= p.length; j++) {
        const pc = p[j - 1] as string;
        if (pc === '*') next[j] = next[j - 1] || prev[j] || prev[j - 1] ? 1 : 0;
        else if (pc === '%')
          next[j] = next[j - 1] || (c !== HIERARCHY_DELIMITER && (prev[j] || prev[j - 1])) ? 1 : 0;
        else if (sameChar(c, pc, i <= inboxPrefix)) next[j] = prev[j - 1] as number;
      }
      [prev, next] = [next, prev];
    }
    return prev[p.length] === 1;
  }

  /** True if the pattern contains "*" or "%". */
  hasWildcard(): boolean {
    return /[*%]/.test(this.pattern);
  }
}

function sameChar(a: string, b: string, caseInsensitive: boolean): boolean {
  return a === b || (caseInsensitive && a.toUpperCase() === b.toUpperCase());
}
