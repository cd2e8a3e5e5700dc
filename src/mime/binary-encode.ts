/**
 * A message that came as binary data (IMAP APPEND with a literal8, RFC 3516 §4.2), made sendable in
 * BODY[] as Dovecot does at APPEND: a leaf part declared "Content-Transfer-Encoding: binary" or whose
 * body holds a NUL (RFC 9051 §4.3: a literal never carries NUL) is stored as base64, its header saying
 * so. BINARY[part] decodes it back to the bytes sent, so BINARY.SIZE is exact. Everything else is kept
 * byte for byte.
 */
import { rewriteHeader } from './binary.js';
import { parseMessage } from './parse.js';
import { leafParts } from './text.js';
import { transferEncodingKind } from './transfer-decode.js';

const BASE64_CTE = Buffer.from('Content-Transfer-Encoding: base64\r\n');
/** RFC 2045 §6.8: encoded lines of at most 76 characters. */
const LINE = 76;

/** `raw` itself when no part needs encoding, else the message with those parts in base64. */
export function encodeBinaryParts(raw: Buffer): Buffer {
  const chunks: Buffer[] = [];
  let copied = 0;
  for (const leaf of leafParts(parseMessage(raw))) {
    if (transferEncodingKind(leaf.encoding) !== 'identity') continue;
    const body = raw.subarray(leaf.bodyStart, leaf.bodyEnd);
    if (leaf.encoding !== 'binary' && body.indexOf(0) === -1) continue;
    const header = rewriteHeader(raw, leaf.headerStart, leaf.bodyStart, BASE64_CTE);
    if (!header.includes(BASE64_CTE)) continue; // no blank line to put the field before
    chunks.push(raw.subarray(copied, leaf.headerStart), ...header, base64Lines(body));
    copied = leaf.bodyEnd;
  }
  if (chunks.length === 0) return raw;
  chunks.push(raw.subarray(copied));
  return Buffer.concat(chunks);
}

function base64Lines(data: Buffer): Buffer {
  const text = data.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += LINE) lines.push(text.slice(i, i + LINE));
  return Buffer.from(lines.join('\r\n'), 'latin1');
}
