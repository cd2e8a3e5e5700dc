/**
 * Charts as inline SVG built on the server: they show without JavaScript and pass a strict Content
 * Security Policy (presentation attributes and classes only, no style attributes). Pure functions.
 */

import { formatBytes } from './format.js';
import { escapeHtml, type Html, raw } from './html.js';

export interface UsagePoint {
  day: string;
  bytes: number;
}

const W = 640;
const H = 220;
const PAD = { left: 64, right: 16, top: 16, bottom: 28 };

/** Storage over time: an area line per day, and the quota as a dashed line when it is in view. */
export function usageChart(points: readonly UsagePoint[], quota: number | null): Html {
  const data = points.length === 1 ? [points[0]!, points[0]!] : points;
  const maxData = Math.max(1, ...data.map((p) => p.bytes));
  // Show the quota line when usage is within sight of it (over a third); else it flattens the curve.
  const showQuota = quota !== null && maxData * 3 >= quota;
  const top = niceCeiling(showQuota ? Math.max(maxData, quota) : maxData);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (data.length === 1 ? 0 : (i / (data.length - 1)) * plotW);
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const line = data
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.bytes).toFixed(1)}`)
    .join('');
  const area = `${line}L${x(data.length - 1).toFixed(1)},${y(0)}L${x(0).toFixed(1)},${y(0)}Z`;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = top * f;
    return `<line class="grid" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v)}" y2="${y(v)}"/><text class="axis" x="${PAD.left - 8}" y="${y(v) + 4}" text-anchor="end">${escapeHtml(formatBytes(Math.round(v)))}</text>`;
  });
  const first = data[0]!.day;
  const last = data[data.length - 1]!.day;
  const labels = `<text class="axis" x="${PAD.left}" y="${H - 8}">${escapeHtml(first)}</text><text class="axis" x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${escapeHtml(last)}</text>`;
  const quotaLine = showQuota
    ? `<line class="quota" x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(quota)}" y2="${y(quota)}"/><text class="quota-label" x="${W - PAD.right}" y="${y(quota) - 6}" text-anchor="end">quota ${escapeHtml(formatBytes(quota))}</text>`
    : '';
  const lastPoint = data[data.length - 1]!;
  const dot = `<circle class="dot" cx="${x(data.length - 1)}" cy="${y(lastPoint.bytes)}" r="4"><title>${escapeHtml(`${lastPoint.day}: ${formatBytes(lastPoint.bytes)}`)}</title></circle>`;
  const title = `Storage used from ${first} to ${last}: now ${formatBytes(lastPoint.bytes)}`;
  return raw(
    `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeHtml(title)}" preserveAspectRatio="xMidYMid meet">${grid.join('')}<path class="area" d="${area}"/><path class="line" d="${line}"/>${quotaLine}${dot}${labels}</svg>`,
  );
}

export interface Bar {
  label: string;
  value: number;
  /** The bar's full length: its quota, or null (unlimited: scaled against the largest value). */
  limit: number | null;
}

/** One horizontal bar per account: usage against its quota (percent), or against the largest user. */
export function quotaBars(bars: readonly Bar[]): Html {
  if (bars.length === 0) return raw('');
  const rowH = 34;
  const labelW = 220;
  const barW = W - labelW - 110;
  const maxUnlimited = Math.max(1, ...bars.filter((b) => b.limit === null).map((b) => b.value));
  const rows = bars.map((b, i) => {
    const top = 8 + i * rowH;
    const fraction = b.limit ? Math.min(1, b.value / b.limit) : b.value / maxUnlimited;
    const level = b.limit === null ? 'none' : fraction >= 0.9 ? 'high' : fraction >= 0.7 ? 'mid' : 'low';
    const text = b.limit
      ? `${Math.round((b.value / b.limit) * 100)}% of ${formatBytes(b.limit)}`
      : formatBytes(b.value);
    return `<g><title>${escapeHtml(`${b.label}: ${formatBytes(b.value)} of ${formatBytes(b.limit)}`)}</title><text class="bar-label" x="${labelW - 10}" y="${top + 17}" text-anchor="end">${escapeHtml(shorten(b.label, 30))}</text><rect class="track" x="${labelW}" y="${top + 4}" width="${barW}" height="18" rx="4"/><rect class="bar ${level}" x="${labelW}" y="${top + 4}" width="${Math.max(2, fraction * barW).toFixed(1)}" height="18" rx="4"/><text class="axis" x="${labelW + barW + 8}" y="${top + 17}">${escapeHtml(text)}</text></g>`;
  });
  const height = 16 + bars.length * rowH;
  return raw(
    `<svg class="chart bars" viewBox="0 0 ${W} ${height}" role="img" aria-label="Storage used per account">${rows.join('')}</svg>`,
  );
}

/** 1, 2 or 5 times a power of 1024-friendly ten above `v`, so axis labels are round. */
export function niceCeiling(v: number): number {
  if (v <= 0) return 1;
  const unit = 1024 ** Math.floor(Math.log(v) / Math.log(1024));
  const scaled = v / unit;
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 1024].find((s) => s >= scaled) ?? 1024;
  return step * unit;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
