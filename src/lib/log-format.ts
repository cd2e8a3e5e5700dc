/**
 * Readable log lines for a terminal (issue 14): pino's JSON line in, one line out with the ISO time,
 * the level, the connection's protocol and id, the message, then the other fields as key=value.
 * Pure; the destination that uses it is chosen in src/server/logging.ts.
 */

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields shown in fixed places (or not at all), not repeated as key=value. */
const PLACED = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'protocol', 'conn']);

export function formatLogLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.trimEnd();
  }
  const time = typeof entry.time === 'number' ? new Date(entry.time).toISOString() : '-';
  const level = LEVELS[entry.level as number] ?? String(entry.level ?? '');
  const where = [entry.protocol, entry.conn].filter((v) => v !== undefined).join(' ');
  const parts = [time, level];
  if (where) parts.push(`[${where}]`);
  parts.push(String(entry.msg ?? ''));
  for (const [key, value] of Object.entries(entry)) {
    if (PLACED.has(key) || value === undefined) continue;
    parts.push(`${key}=${formatValue(key, value)}`);
  }
  return parts.join(' ');
}

function formatValue(key: string, value: unknown): string {
  if (key === 'err' && value && typeof value === 'object') {
    const err = value as { type?: string; message?: string; code?: string; stack?: string };
    const head = `${err.type ?? 'Error'}${err.code ? ` ${err.code}` : ''}: ${err.message ?? ''}`;
    // The stack on following lines, indented, so the line itself stays one event.
    const stack = err.stack
      ?.split('\n')
      .slice(1)
      .map((line) => `\n    ${line.trim()}`)
      .join('');
    return JSON.stringify(head) + (stack ?? '');
  }
  if (typeof value === 'string') return /^[\w.:@/+[\]-]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value);
}
