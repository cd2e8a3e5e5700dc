/**
 * A byte cursor over one received command: line segments (CRLF and literal markers stripped) with the
 * literals that followed them. Parsers read tokens through it; every method throws ParseError on bad
 * syntax. Grammar references are RFC 9051 §9.
 */
import type { ReceiverErrorCode } from '../receiver-events.js';

export class ParseError extends Error {
  override name = 'ParseError';
  readonly code: ReceiverErrorCode | undefined;
  readonly status: 'BAD' | 'NO';
  constructor(message: string, code?: ReceiverErrorCode, status: 'BAD' | 'NO' = 'BAD') {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export interface Literal {
  readonly data: Buffer;
  /** `~{n}` literal8 (RFC 3516). */
  readonly binary: boolean;
}

// Byte classes (RFC 9051 §9): ATOM-CHAR = any CHAR except atom-specials; ASTRING-CHAR adds "]".
const ATOM = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) ATOM[c] = 1;
for (const ch of '(){ %*"\\]') ATOM[ch.charCodeAt(0)] = 0;
const ASTRING = ATOM.slice();
ASTRING[0x5d] = 1; // ]
/** list-char = ATOM-CHAR / list-wildcards / resp-specials */
const LISTCHAR = ASTRING.slice();
LISTCHAR[0x25] = 1; // %
LISTCHAR[0x2a] = 1; // *
/** tag = 1*<any ASTRING-CHAR except "+"> */
const TAGCHAR = ASTRING.slice();
TAGCHAR[0x2b] = 0;

export const CharClass = { ATOM, ASTRING, LISTCHAR, TAGCHAR } as const;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8 decode; throws ParseError on invalid sequences. */
export function decodeUtf8Strict(bytes: Uint8Array, what: string): string {
  try {
    return utf8Strict.decode(bytes);
  } catch {
    throw new ParseError(`${what} is not valid UTF-8`);
  }
}

function isAscii(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i]! > 0x7f) return false;
  return true;
}

export class Cursor {
  private seg = 0;
  pos = 0;
  private buf: Buffer;
  /** Depth counter for nested lists, checked against maxNesting. */
  depth = 0;

  constructor(
    private readonly segments: readonly Buffer[],
    private readonly literals: readonly Literal[],
    readonly maxNesting = 100,
  ) {
    this.buf = segments[0] ?? Buffer.alloc(0);
  }

  /** How many literals have been consumed so far. */
  get literalsConsumed(): number {
    return this.seg;
  }

  /** True when every byte and literal has been consumed. */
  atEnd(): boolean {
    return this.pos >= this.buf.length && this.seg >= this.literals.length;
  }

  /** True when the next token is a literal (the current segment is exhausted). */
  literalNext(): boolean {
    return this.pos >= this.buf.length && this.seg < this.literals.length;
  }

  /** The next byte, or -1 at a segment end (literal next or end of command). */
  peek(): number {
    return this.pos < this.buf.length ? this.buf[this.pos]! : -1;
  }

  /** Case-insensitive check that the next bytes are `word` (ASCII uppercase). Does not consume. */
  peekWord(word: string): boolean {
    if (this.pos + word.length > this.buf.length) return false;
    for (let i = 0; i < word.length; i++) {
      let c = this.buf[this.pos + i]!;
      if (c >= 97 && c <= 122) c -= 32;
      if (c !== word.charCodeAt(i)) return false;
    }
    return true;
  }

  /** Consumes `word` if it is next, followed by a non-atom char; case-insensitive. */
  acceptWord(word: string): boolean {
    if (!this.peekWord(word)) return false;
    const after = this.pos + word.length < this.buf.length ? this.buf[this.pos + word.length]! : -1;
    if (after >= 0 && ATOM[after] === 1) return false;
    this.pos += word.length;
    return true;
  }

  accept(byte: number): boolean {
    if (this.peek() === byte) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(byte: number, what: string): void {
    if (!this.accept(byte)) throw new ParseError(`Expected ${what}`);
  }

  sp(): void {
    if (!this.accept(0x20)) throw new ParseError('Expected a space');
  }

  /** Consumes the literal that follows the current segment. */
  literal(): Literal {
    if (!this.literalNext()) throw new ParseError('Expected a literal');
    const lit = this.literals[this.seg]!;
    this.seg++;
    this.buf = this.segments[this.seg] ?? Buffer.alloc(0);
    this.pos = 0;
    return lit;
  }

  end(): void {
    if (!this.atEnd()) throw new ParseError('Unexpected characters at end of command');
  }

  /** Reads a run of bytes of the given class (at least one). */
  run(cls: Uint8Array, what: string): string {
    const start = this.pos;
    const buf = this.buf;
    let i = start;
    while (i < buf.length && cls[buf[i]!] === 1) i++;
    if (i === start) throw new ParseError(`Expected ${what}`);
    this.pos = i;
    return buf.toString('latin1', start, i);
  }

  atom(): string {
    return this.run(ATOM, 'an atom');
  }

  /** An atom uppercased (command names, keywords). */
  keyword(): string {
    return this.atom().toUpperCase();
  }

  number(): number {
    const start = this.pos;
    const buf = this.buf;
    let i = start;
    let v = 0;
    while (i < buf.length && buf[i]! >= 48 && buf[i]! <= 57) {
      v = v * 10 + buf[i]! - 48;
      i++;
    }
    if (i === start) throw new ParseError('Expected a number');
    if (i - start > 20 || v > Number.MAX_SAFE_INTEGER) throw new ParseError('Number too large');
    this.pos = i;
    return v;
  }

  /** number (RFC 9051: 32-bit unsigned). */
  number32(): number {
    const v = this.number();
    if (v > 0xffffffff) throw new ParseError('Number out of range');
    return v;
  }

  nzNumber(): number {
    const v = this.number32();
    if (v === 0) throw new ParseError('Expected a non-zero number');
    return v;
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE, returned as raw bytes. 8-bit allowed (UTF8=ACCEPT). */
  quotedBytes(): Buffer {
    if (!this.accept(0x22)) throw new ParseError('Expected a quoted string');
    const buf = this.buf;
    let i = this.pos;
    let escaped = false;
    const start = i;
    for (; i < buf.length; i++) {
      const c = buf[i]!;
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        i++;
        const n = buf[i];
        if (n !== 0x22 && n !== 0x5c) throw new ParseError('Invalid escape in quoted string');
      } else if (c === 0 || c === 0x0d || c === 0x0a)
        throw new ParseError('Control character in quoted string');
    }
    if (i >= buf.length) throw new ParseError('Unterminated quoted string');
    this.pos = i + 1;
    if (!escaped) return buf.subarray(start, i);
    const out = Buffer.allocUnsafe(i - start);
    let o = 0;
    for (let k = start; k < i; k++) {
      const c = buf[k]!;
      if (c === 0x5c) out[o++] = buf[++k]!;
      else out[o++] = c;
    }
    return out.subarray(0, o);
  }

  /** string = quoted / literal, as raw bytes. */
  stringBytes(): Buffer {
    if (this.literalNext()) return this.literal().data;
    return this.quotedBytes();
  }

  /** astring = 1*ASTRING-CHAR / string, as raw bytes. */
  astringBytes(): Buffer {
    if (this.literalNext()) return this.literal().data;
    if (this.peek() === 0x22) return this.quotedBytes();
    const start = this.pos;
    this.run(ASTRING, 'an astring');
    return this.buf.subarray(start, this.pos);
  }

  /** astring decoded as UTF-8 (invalid sequences replaced): passwords, user names. */
  astring(): string {
    return this.astringBytes().toString('utf8');
  }

  /** string decoded as UTF-8 (lossy). */
  string(): string {
    return this.stringBytes().toString('utf8');
  }

  /** nstring: NIL or string. */
  nstring(): string | null {
    if (this.acceptWord('NIL')) return null;
    return this.string();
  }

  /** mailbox = "INBOX" / astring: strict UTF-8, no NUL, no CR/LF (RFC 9051 §5.1). */
  mailbox(): string {
    const bytes = this.astringBytes();
    return checkedName(bytes, 'Mailbox name');
  }

  /** list-mailbox = 1*list-char / string (patterns with % and *). */
  listMailbox(): string {
    if (this.literalNext() || this.peek() === 0x22) return checkedName(this.stringBytes(), 'Pattern', true);
    const start = this.pos;
    this.run(LISTCHAR, 'a mailbox pattern');
    return this.buf.toString('latin1', start, this.pos);
  }

  /** The rest of the current segment as text (for diagnostics). */
  rest(): string {
    return this.buf.toString('latin1', this.pos, Math.min(this.buf.length, this.pos + 40));
  }

  enterList(): void {
    if (++this.depth > this.maxNesting) throw new ParseError('Too deeply nested', 'LIMIT');
  }

  leaveList(): void {
    this.depth--;
  }
}

function checkedName(bytes: Buffer, what: string, allowEmpty = true): string {
  if (!allowEmpty && bytes.length === 0) throw new ParseError(`${what} is empty`);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c === 0 || c === 0x0a || c === 0x0d) throw new ParseError(`${what} contains a control character`);
  }
  if (isAscii(bytes, 0, bytes.length)) return bytes.toString('latin1', 0, bytes.length);
  return decodeUtf8Strict(bytes, what);
}
