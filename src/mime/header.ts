/**
 * Header fields of one header block (RFC 5322 §2.2), located by byte offsets in the raw message.
 * Lenient like Dovecot: a line without a colon is skipped, "Name : value" is accepted, the value starts
 * after the colon and the blanks following it, and keeps its folding (CRLF + WSP) verbatim.
 */
import { isUtf8 } from 'node:buffer';

export interface HeaderField {
  /** Field name as written (trailing blanks removed). */
  name: string;
  /** Lower-cased name for lookups. */
  lower: string;
  /** Offset of the first byte of the field line. */
  start: number;
  /** Offset just past the field, including its final line ending. */
  end: number;
  /** Value offsets: after "name:" and leading blanks, up to (not including) the final line ending. */
  valueStart: number;
  valueEnd: number;
}

/** Splits the header block raw[start, end) into fields. */
export function parseHeaderFields(raw: Buffer, start: number, end: number): HeaderField[] {
  const fields: HeaderField[] = [];
  let pos = start;
  let current: HeaderField | null = null;
  while (pos < end) {
    let lineEnd = raw.indexOf(10, pos);
    lineEnd = lineEnd < 0 || lineEnd >= end ? end : lineEnd + 1;
    const first = raw[pos];
    if ((first === 0x20 || first === 0x09) && current) {
      current.end = lineEnd; // continuation line (folding)
    } else if (first === 0x20 || first === 0x09) {
      // A continuation with nothing to continue: Dovecot keeps it as a nameless field.
      current = { name: '', lower: '', start: pos, end: lineEnd, valueStart: pos, valueEnd: 0 };
      fields.push(current);
    } else if (first === 0x0a || (first === 0x0d && raw[pos + 1] === 0x0a)) {
      break; // the blank line ending the header
    } else {
      let colon = pos;
      while (colon < lineEnd && raw[colon] !== 0x3a) colon++;
      if (colon < lineEnd) {
        let nameEnd = colon;
        while (nameEnd > pos && (raw[nameEnd - 1] === 0x20 || raw[nameEnd - 1] === 0x09)) nameEnd--;
        const name = raw.toString('latin1', pos, nameEnd);
        let valueStart = colon + 1;
        while (valueStart < lineEnd && (raw[valueStart] === 0x20 || raw[valueStart] === 0x09)) valueStart++;
        current = { name, lower: name.toLowerCase(), start: pos, end: lineEnd, valueStart, valueEnd: 0 };
        fields.push(current);
      } else {
        // No colon: Dovecot keeps the line as a field whose name is the whole line (and no value).
        let nameEnd = lineEnd;
        while (nameEnd > pos && (raw[nameEnd - 1] === 0x0a || raw[nameEnd - 1] === 0x0d)) nameEnd--;
        const name = raw.toString('latin1', pos, nameEnd);
        current = {
          name,
          lower: name.toLowerCase(),
          start: pos,
          end: lineEnd,
          valueStart: nameEnd,
          valueEnd: 0,
        };
        fields.push(current);
      }
    }
    pos = lineEnd;
  }
  for (const field of fields) {
    let valueEnd = field.end;
    if (valueEnd > field.valueStart && raw[valueEnd - 1] === 0x0a) valueEnd--;
    if (valueEnd > field.valueStart && raw[valueEnd - 1] === 0x0d) valueEnd--;
    field.valueEnd = Math.max(valueEnd, field.valueStart);
  }
  return fields;
}

/**
 * Raw bytes as a JS string: UTF-8 when valid (the common case for 8-bit headers), otherwise each byte
 * as one Latin-1 character, so nothing is lost and the text stays valid Unicode.
 */
export function bytesToText(raw: Buffer, start: number, end: number): string {
  let ascii = true;
  for (let i = start; i < end; i++) {
    if (raw[i] >= 0x80) {
      ascii = false;
      break;
    }
  }
  if (ascii) return raw.toString('latin1', start, end);
  const slice = raw.subarray(start, end);
  return isUtf8(slice) ? slice.toString('utf8') : raw.toString('latin1', start, end);
}

/** The raw value of a field as text (folding kept). */
export function fieldValue(raw: Buffer, field: HeaderField): string {
  return bytesToText(raw, field.valueStart, field.valueEnd);
}

/** First field with this lower-cased name. */
export function findFirst(fields: readonly HeaderField[], lower: string): HeaderField | undefined {
  for (const field of fields) if (field.lower === lower) return field;
  return undefined;
}

/** Last field with this lower-cased name (Dovecot's ENVELOPE keeps the last occurrence). */
export function findLast(fields: readonly HeaderField[], lower: string): HeaderField | undefined {
  for (let i = fields.length - 1; i >= 0; i--) if (fields[i].lower === lower) return fields[i];
  return undefined;
}
