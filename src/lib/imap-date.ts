/**
 * IMAP dates (RFC 9051 §9): `date-time` "dd-Mon-yyyy hh:mm:ss +zzzz" for INTERNALDATE and APPEND,
 * and `date` "d-Mon-yyyy" for SEARCH. Pure, no locale.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Month 1..12 from a case-insensitive three-letter name, or 0. */
export function monthFromName(name: string): number {
  if (name.length !== 3) return 0;
  const lower = name.toLowerCase();
  for (let i = 0; i < 12; i++) if (MONTHS[i]!.toLowerCase() === lower) return i + 1;
  return 0;
}

function digits(text: string, from: number, count: number): number {
  let v = 0;
  for (let i = from; i < from + count; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return -1;
    v = v * 10 + c - 48;
  }
  return v;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Parses `date-text` ("1-Feb-1994" / "01-Feb-1994"); undefined when invalid (no throwing). */
export function parseImapDate(text: string): CalendarDate | undefined {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) return undefined;
  const day = Number(m[1]);
  const month = monthFromName(m[2]!);
  const year = Number(m[3]);
  if (month === 0 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/**
 * Parses `date-time` without the quotes: `date-day-fixed "-" date-month "-" date-year SP time SP zone`,
 * where date-day-fixed is `SP DIGIT` or `2DIGIT`. Returns undefined when invalid.
 */
export function parseImapDateTime(text: string): Date | undefined {
  if (text.length !== 26) return undefined;
  const d0 = text.charCodeAt(0);
  const day = d0 === 32 ? digits(text, 1, 1) : digits(text, 0, 2);
  if (text[2] !== '-' || text[6] !== '-' || text[11] !== ' ' || text[20] !== ' ') return undefined;
  const month = monthFromName(text.slice(3, 6));
  const year = digits(text, 7, 4);
  const hh = digits(text, 12, 2);
  const mm = digits(text, 15, 2);
  const ss = digits(text, 18, 2);
  if (text[14] !== ':' || text[17] !== ':') return undefined;
  const sign = text[21];
  const zh = digits(text, 22, 2);
  const zm = digits(text, 24, 2);
  if (day < 1 || month === 0 || year < 0 || hh < 0 || mm < 0 || ss < 0 || zh < 0 || zm < 0) return undefined;
  if (sign !== '+' && sign !== '-') return undefined;
  if (day > daysInMonth(year, month) || hh > 23 || mm > 59 || ss > 60 || zm > 59) return undefined;
  const offsetMinutes = (sign === '-' ? -1 : 1) * (zh * 60 + zm);
  const ms = Date.UTC(year, month - 1, day, hh, mm, Math.min(ss, 59)) - offsetMinutes * 60_000;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Formats a date-time (without quotes) in the given zone offset (minutes east of UTC, default 0):
 * `26-Nov-2026 06:53:51 +0000`.
 */
export function formatImapDateTime(date: Date, offsetMinutes = 0): string {
  const t = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  const year = String(t.getUTCFullYear()).padStart(4, '0');
  return (
    `${pad2(t.getUTCDate())}-${MONTHS[t.getUTCMonth()]}-${year} ` +
    `${pad2(t.getUTCHours())}:${pad2(t.getUTCMinutes())}:${pad2(t.getUTCSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}

/** Formats a calendar date as `d-Mon-yyyy` (SEARCH date). */
export function formatImapDate(date: CalendarDate): string {
  return `${date.day}-${MONTHS[date.month - 1]}-${String(date.year).padStart(4, '0')}`;
}
