/**
 * BINARY[section] and BINARY.SIZE[section] (RFC 3516, RFC 9051 §6.4.5): the section with its
 * Content-Transfer-Encoding removed. Like Dovecot, a multipart or whole-message section is sent with
 * every base64/quoted-printable leaf decoded and its header saying "Content-Transfer-Encoding: binary";
 * any leaf with an unknown encoding makes the whole section fail with [UNKNOWN-CTE].
 */
import { parseHeaderFields } from './header.js';
import { leafParts } from './text.js';
import { decodeTransfer, transferEncodingKind } from './transfer-decode.js';
import { type MimePart, PART_MESSAGE, PART_MULTIPART } from './types.js';

const BINARY_CTE = Buffer.from('Content-Transfer-Encoding: binary\r\n');

/**
 * The header block raw[start, end) without Content-Transfer-Encoding fields, plus the field `cte`
 * (default "Content-Transfer-Encoding: binary") before the blank line (none when the header has no
 * blank line, as in Dovecot).
 */
export function rewriteHeader(bytes: Buffer, start: number, end: number, cte = BINARY_CTE): Buffer[] {
  const header = bytes.subarray(start, end);
  const out: Buffer[] = [];
  let last = 0;
  const fields = parseHeaderFields(header, 0, header.length);
  for (const field of fields) {
    if (field.lower === 'content-transfer-encoding') {
      out.push(header.subarray(last, field.start));
      last = field.end;
    }
  }
  const lastField = fields[fields.length - 1];
  const blankStart = Math.max(last, lastField ? lastField.end : 0);
  out.push(header.subarray(last, blankStart));
  if (blankStart < header.length) out.push(cte, header.subarray(blankStart));
  return out;
}

/**
 * Decodes a section for BINARY. `bytes` are the section's bytes (raw[base, base + bytes.length)),
 * `part` the part it addresses (null for headers, sent as they are), `base` its offset in the message
 * (defaults to part.bodyStart, or 0 when part is the root of a whole-message fetch: pass base 0).
 * Returns null for an unknown Content-Transfer-Encoding (answer NO [UNKNOWN-CTE]).
 */
export function decodeSectionForBinary(bytes: Buffer, part: MimePart | null, base?: number): Buffer | null {
  if (!part) return bytes;
  if (hasUnknownContainerEncoding(part)) return null;
  const offset = base ?? part.bodyStart;
  const chunks: Buffer[] = [];
  let copied = 0; // relative to bytes
  for (const leaf of leafParts(part)) {
    const kind = transferEncodingKind(leaf.encoding);
    // Identity encodings, and (like Dovecot) empty bodies, are sent as they are.
    if (kind === 'identity' || leaf.bodyStart === leaf.bodyEnd) continue;
    if (kind === 'unknown') return null;
    const bodyStart = leaf.bodyStart - offset;
    const bodyEnd = leaf.bodyEnd - offset;
    if (bodyStart < 0 || bodyEnd > bytes.length) continue;
    const headerStart = leaf.headerStart - offset;
    if (headerStart >= 0 && leaf !== part) {
      chunks.push(bytes.subarray(copied, headerStart), ...rewriteHeader(bytes, headerStart, bodyStart));
    } else if (headerStart >= 0 && offset === 0 && leaf.headerStart === 0) {
      chunks.push(...rewriteHeader(bytes, 0, bodyStart));
    } else {
      chunks.push(bytes.subarray(copied, bodyStart));
    }
    chunks.push(decodeTransfer(bytes.subarray(bodyStart, bodyEnd), leaf.encoding) as Buffer);
    copied = bodyEnd;
  }
  if (chunks.length === 0) return bytes;
  chunks.push(bytes.subarray(copied));
  return Buffer.concat(chunks);
}

/**
 * A multipart or message/rfc822 part (the section's own, or one inside it) with an unknown encoding
 * also makes Dovecot answer [UNKNOWN-CTE]; with base64/QP it is sent as is.
 */
function hasUnknownContainerEncoding(part: MimePart): boolean {
  const stack: MimePart[] = [part];
  while (stack.length > 0) {
    const p = stack.pop() as MimePart;
    if (!(p.flags & (PART_MULTIPART | PART_MESSAGE))) continue;
    if (transferEncodingKind(p.encoding) === 'unknown') return true;
    stack.push(...p.children);
    if (p.message) stack.push(p.message);
  }
  return false;
}

/** BINARY.SIZE: the decoded length, or null for an unknown encoding. */
export function binarySize(bytes: Buffer, part: MimePart | null, base?: number): number | null {
  const decoded = decodeSectionForBinary(bytes, part, base);
  return decoded ? decoded.length : null;
}
