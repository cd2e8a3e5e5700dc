/**
 * Content-Type (RFC 2045 §5), Content-Disposition (RFC 2183), Content-Transfer-Encoding (RFC 2045 §6)
 * and Content-Language (RFC 3282) values, parsed like Dovecot so BODYSTRUCTURE matches it.
 */
import { Rfc822Lexer } from './rfc822-lexer.js';
import { type Param, parseParams } from './rfc2231.js';

export interface ContentType {
  /** As written (case kept); BODYSTRUCTURE sends it verbatim. */
  type: string;
  subtype: string;
  params: Param[];
}

/** null when there is no usable type (then the RFC 2045 §5.2 default applies). */
export function parseContentType(value: string): ContentType | null {
  const lexer = new Rfc822Lexer(value);
  if (lexer.skipLwsp() <= 0) return null;
  const type = { s: '' };
  const r = lexer.mimeToken(type);
  if (type.s === '') return null;
  let subtype = '';
  let ok = r > 0;
  if (ok && lexer.peek() === 0x2f) {
    lexer.pos++;
    if (lexer.skipLwsp() > 0) {
      const sub = { s: '' };
      ok = lexer.mimeToken(sub) >= 0;
      subtype = sub.s;
    } else {
      ok = false;
    }
  } else {
    ok = false;
  }
  return { type: type.s, subtype, params: ok ? parseParams(lexer) : [] };
}

export interface ContentDisposition {
  type: string;
  params: Param[];
}

export function parseContentDisposition(value: string): ContentDisposition | null {
  const lexer = new Rfc822Lexer(value);
  lexer.skipLwsp();
  const type = { s: '' };
  if (lexer.mimeToken(type) < 0) return null;
  return { type: type.s, params: parseParams(lexer) };
}

/** The encoding token as written, or null when missing/empty. */
export function parseTransferEncoding(value: string): string | null {
  const lexer = new Rfc822Lexer(value);
  lexer.skipLwsp();
  const token = { s: '' };
  if (lexer.mimeToken(token) < 0 || token.s === '') return null;
  return token.s;
}

export function parseContentLanguage(value: string): string[] {
  const lexer = new Rfc822Lexer(value);
  const languages: string[] = [];
  lexer.skipLwsp();
  for (;;) {
    const lang = { s: '' };
    if (lexer.atom(lang) < 0) break;
    languages.push(lang.s);
    if (lexer.peek() !== 0x2c) break;
    lexer.pos++;
    lexer.skipLwsp();
  }
  return languages;
}

/** Case-insensitive parameter lookup. */
export function paramValue(params: readonly Param[], name: string): string | undefined {
  for (const [key, value] of params) if (key.toLowerCase() === name) return value;
  return undefined;
}
