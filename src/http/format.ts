/** Numbers and dates as the pages print them. Pure. */
import { formatSize } from '../lib/values.js';

/** 524288000 → "500 MB" (binary units, as quotas are set: 500M = 500 MiB). */
export function formatBytes(bytes: number | null): string {
  return formatSize(bytes, { words: true });
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "3 minutes ago", "2 days ago"; "just now" under a minute. */
export function timeAgo(iso: string, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(iso)) / 1000));
  const steps: Array<[number, string]> = [
    [86_400, 'day'],
    [3_600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of steps) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

/** "2026-01-10 14:03 UTC" */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

export function percentOf(used: number, limit: number | null): number | null {
  if (!limit) return null;
  return Math.min(100, Math.round((used / limit) * 1000) / 10);
}
