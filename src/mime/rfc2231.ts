/**
 * Content-Type / Content-Disposition parameters with RFC 2231 continuations merged, the way Dovecot's
 * lib-mail/rfc2231-parser.c does it: plain parameters first in their order, then each continued or
 * extended parameter (`name*0*=…; name*1=…`) merged into one `name` (or `name*` when any piece is
 * extended, still percent-encoded: BODYSTRUCTURE sends it undecoded). Decoding for display/search is
 * decodeRfc2231Value().
 */
import { decode as decodeWithCharset } from 'libmime/lib/charset.js';
import type { Rfc822Lexer } from './rfc822-lexer.js';

export type Param = readonly [key: string, value: string];

interface Piece {
  key: string;
  index: number;
  extended: boolean;
  value: string;
}

export function parseParams(lexer: Rfc822Lexer): Param[] {
  const result: Param[] = [];
  const pieces: Piece[] = [];
  for (;;) {
    const { r, key, value } = lexer.contentParam();
    if (r === 0) break;
    if (r < 0) {
      // Like Dovecot: skip one character and try again.
      if (lexer.atEnd) break;
      lexer.pos++;
      continue;
    }
    const star = key.indexOf('*');
    if (star < 0) {
      result.push([key, value]);
      continue;
    }
    // "name*" is extended without a number; "name*3" / "name*3*" are numbered pieces (RFC 2231 §3-4).
    let p = star + 1 === key.length ? star : star + 1;
    let index = 0;
    while (p < key.length && key.charCodeAt(p) >= 0x30 && key.charCodeAt(p) <= 0x39) {
      index = index * 10 + key.charCodeAt(p) - 0x30;
      if (index > 1e6) index = 1e6;
      p++;
    }
    let extended = false;
    if (p < key.length && key[p] === '*') {
      extended = true;
      p++;
    }
    if (p !== key.length) {
      result.push([key, value]);
      continue;
    }
    pieces.push({ key: key.slice(0, star), index, extended, value });
  }
  if (pieces.length === 0) return result;

  // Sorted case-sensitively but grouped case-insensitively, exactly as Dovecot does (so "Baz*0; baz*1"
  // stay two parameters there, and here).
  pieces.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  for (let i = 0; i < pieces.length; ) {
    let j = i;
    let ok = true;
    let anyExtended = false;
    const lower = pieces[i].key.toLowerCase();
    for (let next = 0; j < pieces.length && pieces[j].key.toLowerCase() === lower; j++, next++) {
      if (pieces[j].index !== next) ok = false;
      if (pieces[j].extended) anyExtended = true;
    }
    if (!ok) {
      for (let k = i; k < j; k++) {
        const piece = pieces[k];
        result.push([`${piece.key}*${piece.index}${piece.extended ? '*' : ''}`, piece.value]);
      }
    } else {
      let value = !pieces[i].extended && anyExtended ? "''" : '';
      for (let k = i; k < j; k++) {
        const piece = pieces[k];
        value += !piece.extended && anyExtended ? piece.value.replace(/%/g, '%25') : piece.value;
      }
      result.push([anyExtended ? `${pieces[i].key}*` : pieces[i].key, value]);
    }
    i = j;
  }
  return result;
}

/** Decodes `charset'language'percent-encoded` (RFC 2231 §4) to text; falls back to the raw value. */
export function decodeRfc2231Value(value: string): string {
  const first = value.indexOf("'");
  const second = first < 0 ? -1 : value.indexOf("'", first + 1);
  if (second < 0) return value;
  const charset = value.slice(0, first) || 'us-ascii';
  const bytes: number[] = [];
  const encoded = value.slice(second + 1);
  for (let i = 0; i < encoded.length; i++) {
    const c = encoded.charCodeAt(i);
    if (c === 0x25 && i + 2 < encoded.length + 0 && /^[0-9a-fA-F]{2}$/.test(encoded.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(c & 0xff);
    }
  }
  return decodeCharset(Buffer.from(bytes), charset);
}

/** Bytes in a named charset to text (libmime: iconv-lite plus the Japanese ISO-2022 family); unknown → UTF-8. */
export function decodeCharset(bytes: Buffer, charset: string): string {
  const name = charset.trim().toLowerCase();
  if (name === '' || name === 'utf-8' || name === 'utf8' || name === 'us-ascii' || name === 'ascii') {
    return bytes.toString('utf8');
  }
  try {
    return decodeWithCharset(bytes, name);
  } catch {
    return bytes.toString('utf8');
  }
}
