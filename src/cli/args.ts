/** How the CLI shows percentages (sizes: formatSize in src/lib/values.ts, beside the parsers). */

/** `used / limit` as a percentage with one decimal, or '' when unlimited. */
export function formatPercent(used: number, limit: number | null): string {
  if (limit === null) return '';
  if (limit === 0) return used > 0 ? '100.0%' : '0.0%';
  return `${((used / limit) * 100).toFixed(1)}%`;
}
