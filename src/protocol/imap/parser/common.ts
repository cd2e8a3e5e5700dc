/**
 * Shared grammar pieces (RFC 9051 §9): flags, sequence sets, dates, parenthesised lists.
 */
import { type CalendarDate, parseImapDate, parseImapDateTime } from '../../../lib/imap-date.js';
import { type SequenceSet, tryParseSequenceSet } from '../../../lib/seqset.js';
import { CharClass, type Cursor, ParseError } from './cursor.js';

const SYSTEM_FLAGS = new Map(
  ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft', '\\Recent'].map((f) => [f.toLowerCase(), f]),
);

/** Canonical capitalisation for system flags; keywords are kept as sent. */
export function normaliseFlag(flag: string): string {
  if (flag.charCodeAt(0) !== 0x5c) return flag;
  return SYSTEM_FLAGS.get(flag.toLowerCase()) ?? flag;
}

/** flag = "\" atom / atom (flag-keyword, flag-extension). */
export function flag(c: Cursor): string {
  const backslash = c.accept(0x5c);
  const name = c.atom();
  return backslash ? normaliseFlag(`\\${name}`) : name;
}

/** flag-list = "(" [flag *(SP flag)] ")". */
export function flagList(c: Cursor): string[] {
  c.expect(0x28, '(');
  const flags: string[] = [];
  if (c.accept(0x29)) return flags;
  for (;;) {
    flags.push(flag(c));
    if (c.accept(0x29)) return flags;
    c.sp();
  }
}

const SEQSET = new Uint8Array(256);
for (const ch of '0123456789:*,$') SEQSET[ch.charCodeAt(0)] = 1;

/** sequence-set (RFC 9051 §9) or `$` (RFC 5182). */
export function sequenceSet(c: Cursor): SequenceSet {
  const text = c.run(SEQSET, 'a sequence set');
  const set = tryParseSequenceSet(text);
  if (!set) throw new ParseError(`Invalid sequence set ${text.slice(0, 40)}`);
  return set;
}

/** True when the next token looks like a sequence set (SEARCH keys). */
export function looksLikeSequenceSet(c: Cursor): boolean {
  const b = c.peek();
  return (b >= 0x30 && b <= 0x39) || b === 0x2a || b === 0x24;
}

/** date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP zone DQUOTE */
export function dateTime(c: Cursor): Date {
  const text = c.quotedBytes().toString('latin1');
  const date = parseImapDateTime(text);
  if (!date) throw new ParseError(`Invalid date-time "${text.slice(0, 30)}"`);
  return date;
}

/** date = date-text / DQUOTE date-text DQUOTE (SEARCH). */
export function searchDate(c: Cursor): CalendarDate {
  const text = c.peek() === 0x22 ? c.quotedBytes().toString('latin1') : c.run(CharClass.ATOM, 'a date');
  const date = parseImapDate(text);
  if (!date) throw new ParseError(`Invalid date ${text.slice(0, 30)}`);
  return date;
}

const DIGIT = new Uint8Array(256);
for (let d = 0x30; d <= 0x39; d++) DIGIT[d] = 1;

/**
 * mod-sequence-value (RFC 7162 §7): 1*DIGIT up to 2^63-1. Our modseqs are JS-safe integers, so a
 * larger value (which we never issued) is clamped to Number.MAX_SAFE_INTEGER: it still compares
 * above every modseq we have, which keeps CHANGEDSINCE/UNCHANGEDSINCE/QRESYNC semantics.
 */
export function modSequence(c: Cursor): number {
  const text = c.run(DIGIT, 'a mod-sequence');
  if (text.length > 19 || BigInt(text) > 9223372036854775807n)
    throw new ParseError('mod-sequence out of range');
  const value = Number(text);
  return Math.min(value, Number.MAX_SAFE_INTEGER);
}

/**
 * Parses `"(" item *(SP item) ")"` calling `item` for each element; `allowEmpty` for `()`.
 * Nesting is counted on the cursor.
 */
export function parenList(c: Cursor, item: () => void, allowEmpty = true): void {
  c.expect(0x28, '(');
  c.enterList();
  if (c.accept(0x29)) {
    c.leaveList();
    if (!allowEmpty) throw new ParseError('Empty list');
    return;
  }
  for (;;) {
    item();
    if (c.accept(0x29)) break;
    c.sp();
  }
  c.leaveList();
}
