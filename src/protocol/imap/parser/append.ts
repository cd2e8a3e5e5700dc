/**
 * APPEND SP mailbox 1*append-message (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 3516 literal8)
 * append-message = [SP flag-list] [SP date-time] SP (literal / literal8 / utf8-literal)
 * utf8-literal   = "UTF8" SP "(" literal8 ")"   (RFC 6855 §4)
 * The receiver streams message literals, so these parsers read only the parts around them.
 */
import { dateTime, flagList } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

export interface AppendOptions {
  readonly flags: readonly string[];
  readonly date?: Date;
  /** The literal is wrapped in `UTF8 (` … `)`: its closing parenthesis follows the literal. */
  readonly utf8: boolean;
}

/**
 * After the mailbox (or after a previous message): `[SP flag-list] [SP date-time] SP [UTF8 SP "("]`.
 * `afterUtf8`: the previous message was a utf8-literal, so its `)` comes first.
 */
export function parseAppendOptions(c: Cursor, afterUtf8 = false): AppendOptions {
  if (afterUtf8) c.expect(0x29, ')');
  c.sp();
  let flags: string[] = [];
  let date: Date | undefined;
  if (c.peek() === 0x28) {
    flags = flagList(c);
    c.sp();
  }
  if (c.peek() === 0x22) {
    date = dateTime(c);
    c.sp();
  }
  let utf8 = false;
  if (c.acceptWord('UTF8')) {
    c.sp();
    c.expect(0x28, '(');
    utf8 = true;
  }
  if (c.peek() !== -1) throw new ParseError('Expected a literal');
  return date ? { flags, date, utf8 } : { flags, utf8 };
}

/** The line after the last message literal: empty, or `)` closing a utf8-literal. */
export function isAppendEnd(tail: Uint8Array, afterUtf8: boolean): boolean {
  return afterUtf8 ? tail.length === 1 && tail[0] === 0x29 : tail.length === 0;
}
