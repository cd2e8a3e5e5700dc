/**
 * Human-readable text: RFC 2047 header decoding, decoded header and body text for SEARCH, and the
 * RFC 8970 preview. Charsets go through libmime/iconv-lite; nothing here throws.
 */
import libmime from 'libmime';
import { bytesToText, type HeaderField } from './header.js';
import { decodeCharset } from './rfc2231.js';
import { decodeTransfer } from './transfer-decode.js';
import { type MimePart, PART_MESSAGE, PART_MULTIPART } from './types.js';

export const MAX_BODY_TEXT = 256 * 1024;
export const MAX_HEADER_TEXT = 64 * 1024;
export const PREVIEW_LENGTH = 200;
/** Longest header field value decoded for search. */
const MAX_FIELD_TEXT = 16 * 1024;

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
    const end = Math.min(field.valueEnd, field.valueStart + MAX_FIELD_TEXT);
    out += `${field.name}: ${decodeHeaderValue(bytesToText(raw, field.valueStart, end))}\n`;
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
const SKIPPED_ELEMENTS = new Set(['style', 'script', 'head', 'title']);
const BLOCK_ELEMENTS = new Set([
  'br',
  'p',
  'div',
  'tr',
  'li',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'table',
  'blockquote',
]);

function decodeEntities(text: string): string {
  if (text.indexOf('&') < 0) return text;
  return text.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] === '#') {
      const hex = e[1] === 'x' || e[1] === 'X';
      const code = hex ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/**
 * Rough HTML → text for search and preview, in one linear scan: drops comments, style/script/head
 * content and tags (block tags become line breaks), decodes common entities.
 */
export function htmlToText(html: string): string {
  const lower = html.toLowerCase();
  let out = '';
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf('<', pos);
    if (lt < 0) {
      out += decodeEntities(html.slice(pos));
      break;
    }
    out += decodeEntities(html.slice(pos, lt));
    if (lower.startsWith('<!--', lt)) {
      const close = lower.indexOf('-->', lt + 4);
      pos = close < 0 ? html.length : close + 3;
      continue;
    }
    const gt = html.indexOf('>', lt + 1);
    if (gt < 0) break;
    const name = /^<\/?([a-z0-9]+)/.exec(lower.slice(lt, Math.min(gt + 1, lt + 16)))?.[1] ?? '';
    pos = gt + 1;
    if (SKIPPED_ELEMENTS.has(name) && lower[lt + 1] !== '/') {
      const close = lower.indexOf(`</${name}`, pos);
      const end = close < 0 ? -1 : lower.indexOf('>', close);
      pos = end < 0 ? html.length : end + 1;
      out += ' ';
    } else {
      out += BLOCK_ELEMENTS.has(name) ? '\n' : ' ';
    }
  }
  return out;
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

/**
 * Decoded text of all text/* parts (HTML stripped) and of the headers of encapsulated messages
 * (a forwarded message's subject is found by SEARCH TEXT), at most MAX_BODY_TEXT characters.
 */
export function bodySearchText(
  raw: Buffer,
  root: MimePart,
  headersOf?: (part: MimePart) => readonly HeaderField[],
): string {
  let out = '';
  const stack: MimePart[] = [root];
  while (stack.length > 0 && out.length < MAX_BODY_TEXT) {
    const part = stack.pop() as MimePart;
    let text = '';
    if (part.flags & PART_MULTIPART) {
      for (let i = part.children.length - 1; i >= 0; i--) stack.push(part.children[i]);
    } else if (part.flags & PART_MESSAGE && part.message) {
      stack.push(part.message);
      if (headersOf) text = headerSearchText(raw, headersOf(part.message));
    } else if (isText(part)) {
      text = partText(raw, part, (MAX_BODY_TEXT - out.length) * 2);
      if (part.subtype === 'html') text = htmlToText(text);
    }
    if (text) out += (out ? '\n' : '') + text;
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
  return previewOfPart(raw, candidate);
}

/** Bytes of a text part's body that buildPreview may read (partText's window for PREVIEW_SOURCE_BYTES). */
export const PREVIEW_SOURCE_BYTES = 16 * 1024;

/** The preview of one chosen text/plain or text/html part (see buildPreview). */
export function previewOfPart(raw: Buffer, candidate: MimePart): string {
  let text = partText(raw, candidate, PREVIEW_SOURCE_BYTES);
  if (candidate.subtype === 'html') text = htmlToText(text);
  const lines = text.split(/\r?\n/).filter((line) => !/^\s*>/.test(line));
  const collapsed = lines.join(' ').replace(/\s+/g, ' ').trim();
  const chars = Array.from(collapsed);
  return chars.length <= PREVIEW_LENGTH ? collapsed : chars.slice(0, PREVIEW_LENGTH).join('');
}
