/**
 * RFC 5322 / RFC 2045 lexical scanner over one header value, with the same leniency as Dovecot's
 * lib-mail/rfc822-parser.c (so ENVELOPE and BODYSTRUCTURE come out the same for broken input).
 * Return values follow Dovecot: 1 = ok and more input follows, 0 = ok and input ended, -1 = syntax error.
 */

// atext (RFC 5322 §3.2.3) plus 8-bit characters, which Dovecot also accepts in atoms.
const ATEXT = new Uint8Array(128);
for (const c of "!#$%&'*+-/=?^_`{|}~") ATEXT[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) ATEXT[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) {
  ATEXT[c] = 1;
  ATEXT[c + 32] = 1;
}
// MIME token (RFC 2045 §5.1): atext minus tspecials "/", "?", "=", plus ".".
const TOKEN = ATEXT.slice();
TOKEN['/'.charCodeAt(0)] = 0;
TOKEN['?'.charCodeAt(0)] = 0;
TOKEN['='.charCodeAt(0)] = 0;
TOKEN['.'.charCodeAt(0)] = 1;

export function isAtext(c: number): boolean {
  return c >= 128 || ATEXT[c] === 1;
}

function isTokenChar(c: number): boolean {
  return c >= 128 || TOKEN[c] === 1;
}

export class Rfc822Lexer {
  pos = 0;
  /** Text of the last comment skipped (Dovecot uses it as a display name for `user@host (Name)`). */
  lastComment = '';

  constructor(readonly text: string) {}

  get atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skips whitespace and (nested) comments. */
  skipLwsp(): number {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) {
        this.pos++;
        continue;
      }
      if (c !== 0x28) break;
      if (this.skipComment() < 0) return -1;
    }
    return this.pos < t.length ? 1 : 0;
  }

  private skipComment(): number {
    const t = this.text;
    let depth = 1;
    let comment = '';
    let start = ++this.pos;
    for (; this.pos < t.length; this.pos++) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x28) depth++;
      else if (c === 0x29) {
        if (--depth === 0) {
          comment += t.slice(start, this.pos);
          this.lastComment = comment;
          this.pos++;
          return 1;
        }
      } else if (c === 0x0d || c === 0x0a) {
        comment += t.slice(start, this.pos);
        start = this.pos + 1;
      } else if (c === 0x5c) {
        comment += t.slice(start, this.pos);
        start = ++this.pos;
        if (this.pos >= t.length) return -1;
      }
    }
    return -1;
  }

  /** quoted-string, unescaped, folding CR/LF removed; `out` collects the content. */
  quotedString(out: { s: string }): number {
    const start = ++this.pos;
    return this.delimited(out, start, 0x22, false);
  }

  /**
   * Scans from `this.pos` to the closing `close` character, appending text from `start` to `out` with folding
   * CR/LF removed and backslash quoting undone; the closing character is kept when `keepClose`. Then CFWS.
   */
  private delimited(out: { s: string }, start: number, close: number, keepClose: boolean): number {
    const t = this.text;
    for (; this.pos < t.length; this.pos++) {
      const c = t.charCodeAt(this.pos);
      if (c === close) {
        out.s += t.slice(start, keepClose ? this.pos + 1 : this.pos);
        this.pos++;
        return this.skipLwsp();
      }
      if (c === 0x0d || c === 0x0a) {
        out.s += t.slice(start, this.pos);
        start = this.pos + 1;
      } else if (c === 0x5c) {
        out.s += t.slice(start, this.pos);
        start = ++this.pos;
        if (this.pos >= t.length) return -1;
      }
    }
    return -1;
  }

  /** 1*atext (or "."), then CFWS. */
  atomOrDot(out: { s: string }): number {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (!isAtext(c) && c !== 0x2e) break;
      this.pos++;
    }
    out.s += t.slice(start, this.pos);
    return this.pos < t.length ? this.skipLwsp() : 0;
  }

  /** atom: fails unless it starts with atext. */
  atom(out: { s: string }): number {
    if (this.atEnd || !isAtext(this.peek())) return -1;
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && isAtext(t.charCodeAt(this.pos))) this.pos++;
    out.s += t.slice(start, this.pos);
    return this.skipLwsp();
  }

  /** dot-atom, allowing CFWS before a dot (RFC 822 compatibility) but, like Dovecot, not after it. */
  dotAtom(out: { s: string }): number {
    const t = this.text;
    if (this.atEnd || !isAtext(this.peek())) return -1;
    let start = this.pos++;
    while (this.pos < t.length) {
      if (isAtext(t.charCodeAt(this.pos))) {
        this.pos++;
        continue;
      }
      out.s += t.slice(start, this.pos);
      const r = this.skipLwsp();
      if (r <= 0) return r;
      if (this.peek() !== 0x2e) return 1;
      this.pos++;
      out.s += '.';
      if (this.atEnd || !isAtext(this.peek())) return -1;
      start = this.pos;
    }
    out.s += t.slice(start, this.pos);
    return 0;
  }

  /** phrase: words joined by single spaces. */
  phrase(out: { s: string }): number {
    if (this.atEnd) return 0;
    if (this.peek() === 0x2e) return -1;
    for (;;) {
      const r = this.peek() === 0x22 ? this.quotedString(out) : this.atomOrDot(out);
      if (r <= 0) return r;
      const c = this.peek();
      if (!isAtext(c) && c !== 0x22 && c !== 0x2e) break;
      out.s += ' ';
    }
    return this.skipLwsp();
  }

  /** domain after "@": dot-atom or domain-literal. */
  domain(out: { s: string }): number {
    this.pos++; // "@"
    if (this.skipLwsp() <= 0) return -1;
    if (this.peek() === 0x5b) return this.domainLiteral(out);
    return this.dotAtom(out);
  }

  private domainLiteral(out: { s: string }): number {
    const start = this.pos++; // "[" is part of the literal
    return this.delimited(out, start, 0x5d, true);
  }

  /** MIME token (RFC 2045 §5.1), then CFWS. */
  mimeToken(out: { s: string }): number {
    const t = this.text;
    const start = this.pos;
    while (this.pos < t.length && isTokenChar(t.charCodeAt(this.pos))) this.pos++;
    out.s += t.slice(start, this.pos);
    return this.pos < t.length ? this.skipLwsp() : 0;
  }

  /** `; attribute = value` (Dovecot rfc822_parse_content_param). 0 at end of input. */
  contentParam(): { r: number; key: string; value: string } {
    const fail = { r: -1, key: '', value: '' };
    if (this.atEnd) return { r: 0, key: '', value: '' };
    if (this.peek() !== 0x3b) return fail;
    this.pos++;
    if (this.skipLwsp() <= 0) return fail;
    const key = { s: '' };
    if (this.mimeToken(key) <= 0) return fail;
    if (this.peek() !== 0x3d) return fail;
    this.pos++;
    const value = { s: '' };
    let r = this.skipLwsp();
    if (r <= 0) {
      // no value
    } else if (this.peek() === 0x22) {
      r = this.quotedString(value);
    } else if (this.peek() === 0x3d) {
      // Broken but common: name==?utf-8?b?...?= (unquoted encoded word)
      const t = this.text;
      const start = this.pos;
      while (this.pos < t.length) {
        const c = t.charCodeAt(this.pos);
        if (c === 0x3b || c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) break;
        this.pos++;
      }
      value.s = t.slice(start, this.pos);
    } else {
      r = this.mimeToken(value);
    }
    return { r: r < 0 ? -1 : 1, key: key.s, value: value.s };
  }
}
