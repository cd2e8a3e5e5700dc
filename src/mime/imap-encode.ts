/**
 * IMAP string encoders (RFC 9051 §4.3): NIL, quoted string or literal.
 *
 * All functions take and return ordinary (Unicode) JS strings; literal lengths count UTF-8 bytes, so the
 * result must be written to the socket as UTF-8. The choice between quoted and literal follows Dovecot
 * (lib-imap/imap-quote.c) so our answers match it byte for byte.
 */

const LITERAL_AFTER_ESCAPES = 4;

/** `{n}\r\n` + text, n in UTF-8 bytes. */
export function imapLiteral(text: string): string {
  return `{${Buffer.byteLength(text, 'utf8')}}\r\n${text}`;
}

/** Always a quoted string; the caller guarantees there is no CR, LF or NUL (RFC 9051 quoted-specials escaped). */
export function imapQuote(text: string): string {
  let needsEscape = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      needsEscape = true;
      break;
    }
  }
  return needsEscape ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}

/**
 * A string: quoted when possible, a literal for CR/LF/NUL or 8-bit content, or when more than four
 * characters would need escaping (Dovecot's imap_append_nstring).
 */
export function imapString(text: string): string {
  let escapes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) {
      if (escapes++ < LITERAL_AFTER_ESCAPES) continue;
      return imapLiteral(text);
    }
    if (c === 0x0d || c === 0x0a || c === 0 || c >= 0x80) return imapLiteral(text);
  }
  return escapes > 0 ? `"${text.replace(/["\\]/g, '\\$&')}"` : `"${text}"`;
}

/** NIL for null/undefined, otherwise imapString. */
export function imapNString(text: string | null | undefined): string {
  return text == null ? 'NIL' : imapString(text);
}

/** Like imapNString but CR and LF are dropped first (unfolded header values; Dovecot imap_append_nstring_nolf). */
export function imapNStringNoLf(text: string | null | undefined): string {
  if (text == null) return 'NIL';
  if (text.indexOf('\r') < 0 && text.indexOf('\n') < 0) return imapString(text);
  return imapString(text.replace(/[\r\n]/g, ''));
}

/**
 * Text meant for people (ENVELOPE subject and display names, Dovecot imap_append_string_for_humans):
 * whitespace runs (SP, TAB, CR, LF) become one space, leading/trailing whitespace goes, NUL becomes
 * U+0080; anything changed, quoted or 8-bit is sent as a literal, everything else as a plain quoted string.
 */
export function imapNStringForHumans(text: string | null | undefined): string {
  if (text == null) return 'NIL';
  let modify = false;
  let lastSpace = true;
  let removed = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x09 || c === 0x20) {
      if (c !== 0x20) modify = true;
      if (lastSpace) {
        modify = true;
        removed++;
      }
      lastSpace = true;
    } else {
      if (c === 0 || c === 0x22 || c === 0x5c || c >= 0x80) modify = true;
      lastSpace = false;
    }
  }
  if (lastSpace && text.length > 0) {
    modify = true;
    removed++;
  }
  if (!modify) return `"${text}"`;
  if (removed >= text.length) return '""';
  let out = '';
  lastSpace = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x09 || c === 0x20) {
      if (!lastSpace) out += ' ';
      lastSpace = true;
    } else {
      out += c === 0 ? '\u0080' : text[i];
      lastSpace = false;
    }
  }
  if (lastSpace && out.endsWith(' ')) out = out.slice(0, -1);
  return imapLiteral(out);
}
