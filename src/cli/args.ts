/** How the CLI shows sizes and percentages (the parsers are in src/lib/values.ts). */

/** 524288000 → `500 MiB`; null → `unlimited`. */
export function formatSize(bytes: number | null): string {
  if (bytes === null) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 || value >= 100 || Number.isInteger(value) ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** `used / limit` as a percentage with one decimal, or '' when unlimited. */
export function formatPercent(used: number, limit: number | null): string {
  if (limit === null) return '';
  if (limit === 0) return used > 0 ? '100.0%' : '0.0%';
  return `${((used / limit) * 100).toFixed(1)}%`;
}
