/**
 * APPEND SP mailbox 1*append-message (RFC 9051 §6.3.12, RFC 3502 MULTIAPPEND, RFC 3516 literal8)
 * append-message = [SP flag-list] [SP date-time] SP literal
 * The receiver streams message literals, so these parsers read only the parts around them.
 */
import { dateTime, flagList } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

export interface AppendOptions {
  readonly flags: readonly string[];
  readonly date?: Date;
}

/** After the mailbox (or after a previous message): `[SP flag-list] [SP date-time] SP`. */
export function parseAppendOptions(c: Cursor): AppendOptions {
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
  if (c.peek() !== -1) throw new ParseError('Expected a literal');
  return date ? { flags, date } : { flags };
}
