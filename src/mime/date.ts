/** RFC 5322 §3.3 Date: header → ms since epoch (null when unparsable), accepting common obsolete forms. */

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};
const ZONES: Record<string, number> = {
  ut: 0,
  gmt: 0,
  z: 0,
  est: -300,
  edt: -240,
  cst: -360,
  cdt: -300,
  mst: -420,
  mdt: -360,
  pst: -480,
  pdt: -420,
};

const DATE_RE =
  /^\s*(?:[a-z]+\s*,\s*)?(\d{1,2})\s+([a-z]{3})[a-z]*\s+(\d{2,4})\s+(\d{1,2})\s*:\s*(\d{2})(?:\s*:\s*(\d{2}))?\s*([+-]\d{4}|[a-z]+)?/i;

/** The instant a Date: value names, in ms since the epoch (SORT DATE, RFC 5256), or null. */
export function parseDate(value: string): number | null {
  return parseDateWithZone(value)?.ms ?? null;
}

/**
 * The instant plus the zone offset written in the header (minutes east of UTC). SEARCH SENTBEFORE /
 * SENTON / SENTSINCE compare the date as written, "disregarding time and timezone" (RFC 9051 §6.4.4):
 * that day is Math.floor((ms + offsetMinutes * 60000) / 86400000).
 */
export function parseDateWithZone(value: string): { ms: number; offsetMinutes: number } | null {
  const text = value
    .slice(0, 256)
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[\r\n]/g, '');
  const m = DATE_RE.exec(text);
  if (!m) {
    const fallback = Date.parse(text);
    return Number.isFinite(fallback) ? { ms: fallback, offsetMinutes: 0 } : null;
  }
  const month = MONTHS[m[2].toLowerCase()];
  if (month === undefined) return null;
  let year = Number(m[3]);
  if (m[3].length <= 2) year += year < 50 ? 2000 : 1900;
  else if (m[3].length === 3) year += 1900;
  const day = Number(m[1]);
  const hour = Number(m[4]);
  const minute = Number(m[5]);
  const second = m[6] ? Number(m[6]) : 0;
  if (day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  let offset = 0;
  const zone = m[7];
  if (zone) {
    if (zone[0] === '+' || zone[0] === '-') {
      const sign = zone[0] === '-' ? -1 : 1;
      offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
    } else {
      offset = ZONES[zone.toLowerCase()] ?? 0;
    }
  }
  const ms = Date.UTC(year, month, day, hour, minute, second) - offset * 60000;
  return Number.isFinite(ms) ? { ms, offsetMinutes: offset } : null;
}
