/**
 * Detects a literal announcement at the end of a line (RFC 9051 §4.3 `literal`, RFC 7888 `{n+}`,
 * RFC 3516 `literal8` = `~{n}`). The line is given without its CRLF.
 */

export interface LiteralMarker {
  /** Offset where the marker (`{` or `~`) starts: the line content ends there. */
  readonly start: number;
  /** Announced size; Infinity when it does not fit a JS safe integer. */
  readonly size: number;
  /** `{n+}`: the client does not wait for a continuation. */
  readonly nonSync: boolean;
  readonly binary: boolean;
}

/** Returns the marker ending `line[0..end)`, or undefined. Works on bytes, no allocation. */
export function findLiteralMarker(line: Uint8Array, end = line.length): LiteralMarker | undefined {
  let i = end - 1;
  if (i < 2 || line[i] !== 0x7d /* } */) return undefined;
  i--;
  let nonSync = false;
  if (line[i] === 0x2b /* + */) {
    nonSync = true;
    i--;
  }
  const digitsEnd = i + 1;
  while (i >= 0 && line[i]! >= 0x30 && line[i]! <= 0x39) i--;
  const digitsStart = i + 1;
  if (digitsStart === digitsEnd || i < 0 || line[i] !== 0x7b /* { */) return undefined;
  let start = i;
  const binary = i > 0 && line[i - 1] === 0x7e; /* ~ */
  if (binary) start--;
  let size = 0;
  if (digitsEnd - digitsStart > 15) size = Number.POSITIVE_INFINITY;
  else for (let k = digitsStart; k < digitsEnd; k++) size = size * 10 + line[k]! - 0x30;
  return { start, size, nonSync, binary };
}
