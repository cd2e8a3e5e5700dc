/**
 * Flags as stored: system flags as a bit set (cheap STATUS/SEARCH in SQL: `flags & 1 = 0` is unseen)
 * and keywords as a space-separated string. "\Recent" is session state and never stored.
 */
import type { FlagOperation } from '../store.js';

export const SYSTEM_FLAGS = ['\\Seen', '\\Answered', '\\Flagged', '\\Deleted', '\\Draft'] as const;
export const SEEN_BIT = 1;
export const DELETED_BIT = 8;

const BIT_BY_LOWER = new Map<string, number>(SYSTEM_FLAGS.map((flag, i) => [flag.toLowerCase(), 1 << i]));

export interface StoredFlags {
  bits: number;
  keywords: string;
}

/** Splits IMAP flags into bits and keywords; unknown system flags and \Recent are dropped. */
export function encodeFlags(flags: readonly string[] | undefined): StoredFlags {
  let bits = 0;
  const keywords: string[] = [];
  for (const flag of flags ?? []) {
    if (flag.startsWith('\\')) {
      bits |= BIT_BY_LOWER.get(flag.toLowerCase()) ?? 0;
    } else if (flag.length > 0 && !/\s/.test(flag)) {
      addKeyword(keywords, flag);
    }
  }
  return { bits, keywords: keywords.join(' ') };
}

/** Most messages share a handful of flag combinations: decode each once, hand out copies. */
const decoded = new Map<string, readonly string[]>();
const DECODED_CACHE_LIMIT = 4096;

export function decodeFlags(bits: number, keywords: string): string[] {
  const key = `${bits}|${keywords}`;
  const cached = decoded.get(key);
  if (cached) return cached.slice();
  const flags: string[] = [];
  for (let i = 0; i < SYSTEM_FLAGS.length; i++) if (bits & (1 << i)) flags.push(SYSTEM_FLAGS[i]!);
  if (keywords.length > 0) flags.push(...keywords.split(' '));
  if (decoded.size >= DECODED_CACHE_LIMIT) decoded.clear();
  decoded.set(key, flags);
  return flags.slice();
}

/** Applies a STORE operation; keywords compare case-insensitively (RFC 9051 2.3.2). */
export function applyFlagOperation(
  current: StoredFlags,
  operation: FlagOperation,
  change: StoredFlags,
): StoredFlags {
  if (operation === 'set') return change;
  const currentKeywords = splitKeywords(current.keywords);
  const changeKeywords = splitKeywords(change.keywords);
  if (operation === 'add') {
    for (const k of changeKeywords) addKeyword(currentKeywords, k);
    return { bits: current.bits | change.bits, keywords: currentKeywords.join(' ') };
  }
  const removed = new Set(changeKeywords.map((k) => k.toLowerCase()));
  return {
    bits: current.bits & ~change.bits,
    keywords: currentKeywords.filter((k) => !removed.has(k.toLowerCase())).join(' '),
  };
}

export function sameFlags(a: StoredFlags, b: StoredFlags): boolean {
  if (a.bits !== b.bits) return false;
  if (a.keywords === b.keywords) return true;
  const left = splitKeywords(a.keywords).map((k) => k.toLowerCase());
  const right = new Set(splitKeywords(b.keywords).map((k) => k.toLowerCase()));
  return left.length === right.size && left.every((k) => right.has(k));
}

function splitKeywords(keywords: string): string[] {
  return keywords.length === 0 ? [] : keywords.split(' ');
}

function addKeyword(list: string[], keyword: string): void {
  const lower = keyword.toLowerCase();
  if (!list.some((k) => k.toLowerCase() === lower)) list.push(keyword);
}
