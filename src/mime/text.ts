/**
 * Human-readable text: RFC 2047 header decoding, decoded header and body text for SEARCH, and the
 * RFC 8970 preview. Charsets go through libmime/iconv-lite; nothing here throws.
 */
import libmime from 'libmime';
import { type HeaderField, fieldValue } from './header.js';
import { decodeCharset } from './rfc2231.js';
import { decodeTransfer } from './transfer-decode.js';
import { type MimePart, PART_MESSAGE, PART_MULTIPART } from './types.js';

export const MAX_BODY_TEXT = 256 * 1024;
export const MAX_HEADER_TEXT = 64 * 1024;
export const PREVIEW_LENGTH = 200;

/** Unfolds a header value and decodes RFC 2047 encoded words (any charset libmime knows). */
export function decodeHeaderValue(value: string): string {
  const unfolded = value.replace(/\r?\n(?=[ \t])/g, '').replace(/[\r\n]/g, '');
  if (unfolded.indexOf('=?') < 0) return unfolded;
  try {
    return libmime.decodeWords(unfolded);
  } catch {
    return unfolded;
  }
}

/** "Name: decoded value" lines for every field, bounded. */
export function headerSearchText(raw: Buffer, fields: readonly HeaderField[]): string {
  let out = '';
  for (const field of fields) {
    out += `${field.name}: ${decodeHeaderValue(fieldValue(raw, field))}\n`;
    if (out.length >= MAX_HEADER_TEXT) return out.slice(0, MAX_HEADER_TEXT);
  }
  return out;
}

/** A text part's content as Unicode text (transfer encoding and charset removed); '' if undecodable. */
export function partText(raw: Buffer, part: MimePart, maxBytes: number): string {
  // Decoding shrinks base64/QP, so reading 4/3 of the budget is enough for both.
  const end = Math.min(part.bodyEnd, part.bodyStart + Math.ceil((maxBytes * 4) / 3) + 4);
  const decoded = decodeTransfer(raw.subarray(part.bodyStart, end), part.encoding);
  if (!decoded) return '';
  return decodeCharset(decoded.subarray(0, maxBytes), part.charset);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** Rough HTML → text for search and preview: drops style/script/comments and tags, decodes common entities. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(style|script|head)\b[^]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[^]*?-->/g, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6])\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

/** Leaf parts in reading order (depth-first, iterative), including those of encapsulated messages. */
export function* leafParts(root: MimePart): Generator<MimePart> {
  const stack: MimePart[] = [root];
  while (stack.length > 0) {
    const part = stack.pop() as MimePart;
    if (part.flags & PART_MULTIPART) {
      for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i]);
    } else if (part.flags & PART_MESSAGE && part.message) {
      stack.push(part.message);
    } else {
      yield part;
    }
  }
}

function isText(part: MimePart, subtype?: string): boolean {
  return part.type === 'text' && (subtype === undefined || part.subtype === subtype);
}

/** Decoded text of all text/* parts (HTML stripped), at most MAX_BODY_TEXT characters. */
export function bodySearchText(raw: Buffer, root: MimePart): string {
  let out = '';
  for (const part of leafParts(root)) {
    if (!isText(part)) continue;
    const budget = MAX_BODY_TEXT - out.length;
    if (budget <= 0) break;
    let text = partText(raw, part, budget * 2);
    if (part.subtype === 'html') text = htmlToText(text);
    out += (out ? '\n' : '') + text;
  }
  return out.length > MAX_BODY_TEXT ? out.slice(0, MAX_BODY_TEXT) : out;
}

/** RFC 8970 preview: the start of the first text/plain part (else text/html), quoted lines skipped, whitespace collapsed. */
export function buildPreview(raw: Buffer, root: MimePart): string {
  let candidate: MimePart | null = null;
  for (const part of leafParts(root)) {
    if (isText(part, 'plain')) {
      candidate = part;
      break;
    }
    if (!candidate && isText(part, 'html')) candidate = part;
  }
  if (!candidate) return '';
  let text = partText(raw, candidate, 16 * 1024);
  if (candidate.subtype === 'html') text = htmlToText(text);
  const lines = text.split(/\r?\n/).filter((line) => !/^\s*>/.test(line));
  const collapsed = lines.join(' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(collapsed);
  return chars.length <= PREVIEW_LENGTH ? collapsed : chars.slice(0, PREVIEW_LENGTH).join('');
}
