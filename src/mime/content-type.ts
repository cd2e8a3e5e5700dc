/**
 * Content-Type (RFC 2045 §5), Content-Disposition (RFC 2183), Content-Transfer-Encoding (RFC 2045 §6)
 * and Content-Language (RFC 3282) values, parsed like Dovecot so BODYSTRUCTURE matches it.
 */
import { fieldValue, type HeaderField } from './header.js';
import { Rfc822Lexer } from './rfc822-lexer.js';
import { type Param, parseParams } from './rfc2231.js';

export interface ContentType {
  /** As written (case kept); BODYSTRUCTURE sends it verbatim. "" when the value is broken. */
  type: string;
  subtype: string;
  params: Param[];
  /** False for a broken value: Dovecot then keeps what it could read and ignores the parameters. */
  valid: boolean;
}

/**
 * Parses a Content-Type value the way Dovecot's rfc822_parse_content_type does: "type" alone keeps the
 * type; anything else broken ("text ; x", "text/", "text/plain junk") leaves type and subtype empty.
 */
export function parseContentType(value: string): ContentType {
  const broken = (type = ''): ContentType => ({ type, subtype: '', params: [], valid: false });
  const lexer = new Rfc822Lexer(value);
  if (lexer.skipLwsp() <= 0) return broken();
  const type = { s: '' };
  const r = lexer.mimeToken(type);
  if (type.s === '') return broken();
  if (r <= 0) return broken(type.s);
  if (lexer.peek() !== 0x2f) return broken();
  lexer.pos++;
  if (lexer.skipLwsp() <= 0) return broken();
  const subtype = { s: '' };
  lexer.mimeToken(subtype);
  if (!lexer.atEnd && lexer.peek() !== 0x3b) return broken();
  return { type: type.s, subtype: subtype.s, params: parseParams(lexer), valid: true };
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

/** The encoding token as written, or null when missing, empty or followed by anything but comments. */
export function parseTransferEncoding(value: string): string | null {
  const lexer = new Rfc822Lexer(value);
  lexer.skipLwsp();
  const token = { s: '' };
  if (lexer.mimeToken(token) < 0 || token.s === '' || lexer.skipLwsp() !== 0) return null;
  return token.s;
}

/**
 * The Content-Transfer-Encoding BODYSTRUCTURE reports: the first field that parses (Dovecot skips
 * broken ones); null when there is no field, "" when there are fields but none parses.
 */
export function transferEncodingOf(raw: Buffer, fields: readonly HeaderField[]): string | null {
  let seen = false;
  for (const field of fields) {
    if (field.lower !== 'content-transfer-encoding') continue;
    seen = true;
    const token = parseTransferEncoding(fieldValue(raw, field));
    if (token !== null) return token;
  }
  return seen ? '' : null;
}

/**
 * The Content-Transfer-Encoding used to decode the part (BINARY, search text): Dovecot's decoder takes
 * the last field, "" (unknown) when it does not parse, "7bit" when there is none.
 */
export function decodingTransferEncoding(raw: Buffer, fields: readonly HeaderField[]): string {
  for (let i = fields.length - 1; i >= 0; i--) {
    if (fields[i].lower === 'content-transfer-encoding')
      return parseTransferEncoding(fieldValue(raw, fields[i])) ?? '';
  }
  return '7bit';
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
