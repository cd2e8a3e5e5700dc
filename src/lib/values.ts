/**
 * Value parsers shared by the CLI and the config file: sizes (`500M`, `2G`, `unlimited`), counts,
 * durations in days (`30`, `14d`, `4w`, `1y`, `forever`) and ports. Pure, unit-tested beside this file.
 * Sizes are binary (1K = 1024 bytes), like Dovecot's quota settings.
 */

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

const UNLIMITED_WORDS = new Set(['unlimited', 'none', 'off', '-']);
const FOREVER_WORDS = new Set(['forever', 'never', 'none', 'off', '-']);

/** Thrown for values the user typed wrong; the CLI reports it as a usage error, the config loader names the key. */
export class ValueError extends Error {}

/** `500M` → 524288000; `unlimited` → null. */
export function parseSize(text: string): number | null {
  const value = text.trim().toLowerCase();
  if (UNLIMITED_WORDS.has(value)) return null;
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(value);
  const unit = match ? SIZE_UNITS[match[2]!] : undefined;
  if (!match || unit === undefined) {
    throw new ValueError(`invalid size '${text}' (examples: 500M, 2G, 1048576, unlimited)`);
  }
  return Math.round(Number(match[1]) * unit);
}

/** A non-negative whole number, or null for `unlimited`. */
export function parseCount(text: string): number | null {
  const value = text.trim().toLowerCase();
  if (UNLIMITED_WORDS.has(value)) return null;
  if (!/^\d+$/.test(value)) throw new ValueError(`invalid count '${text}' (a whole number or unlimited)`);
  return Number(value);
}

const DAY_UNITS: Record<string, number> = { '': 1, d: 1, w: 7, m: 30, y: 365 };

/** Retention in days: `30`, `30d`, `4w`, `6m`, `1y`; `forever` → null. Zero is refused (it would mean "delete all"). */
export function parseDays(text: string): number | null {
  const value = text.trim().toLowerCase();
  if (FOREVER_WORDS.has(value)) return null;
  const match = /^(\d+)\s*([a-z]?)$/.exec(value);
  const unit = match ? DAY_UNITS[match[2]!] : undefined;
  const days = match && unit !== undefined ? Number(match[1]) * unit : 0;
  if (days < 1) throw new ValueError(`invalid duration '${text}' (examples: 30, 30d, 4w, 1y, forever)`);
  return days;
}

/** A TCP port 0..65535 (0 disables a listener). */
export function parsePort(text: string): number {
  const value = text.trim();
  const port = /^\d+$/.test(value) ? Number(value) : -1;
  if (port < 0 || port > 65535) throw new ValueError(`invalid port '${text}' (0..65535)`);
  return port;
}

/**
 * 524288000 → `500 MiB`; null → `unlimited`. Binary units, like the quotas they describe. `words: true`
 * labels them as people read them on a page (`500 MB`, `12 bytes`); the CLI keeps the exact IEC names.
 */
export function formatSize(bytes: number | null, options: { words?: boolean } = {}): string {
  if (bytes === null) return 'unlimited';
  const units = options.words ? ['bytes', 'KB', 'MB', 'GB', 'TB'] : ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}
