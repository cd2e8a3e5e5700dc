/**
 * LIST [SP list-select-opts] SP mailbox SP mbox-or-pat [SP list-return-opts]
 * (RFC 9051 §6.3.9, RFC 5258 LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 6154 SPECIAL-USE).
 */
import type { ListCommand, ListSelectionOption, StatusItem } from '../command.js';
import { parenList } from './common.js';
import { type Cursor, ParseError } from './cursor.js';
import { statusItems } from './status.js';

const SELECTION = new Set<string>(['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE']);

export function parseList(c: Cursor): ListCommand {
  c.sp();
  let extended = false;
  const selectionOptions: ListSelectionOption[] = [];
  if (c.peek() === 0x28) {
    extended = true;
    parenList(c, () => {
      const opt = c.keyword();
      // RFC 5258 §3: unknown selection options are a syntax error (BAD).
      if (!SELECTION.has(opt)) throw new ParseError(`Unknown LIST selection option ${opt.slice(0, 30)}`);
      if (!selectionOptions.includes(opt as ListSelectionOption))
        selectionOptions.push(opt as ListSelectionOption);
    });
    c.sp();
  }
  // RFC 5258 §3: RECURSIVEMATCH "MUST NOT occur as the only selection option (or only with REMOTE)".
  if (
    selectionOptions.includes('RECURSIVEMATCH') &&
    selectionOptions.every((opt) => opt === 'RECURSIVEMATCH' || opt === 'REMOTE')
  ) {
    throw new ParseError('RECURSIVEMATCH needs another selection option');
  }
  const reference = c.mailbox();
  c.sp();
  const patterns: string[] = [];
  if (c.peek() === 0x28) {
    extended = true;
    parenList(c, () => patterns.push(c.listMailbox()), false);
  } else patterns.push(c.listMailbox());
  let subscribed = false;
  let children = false;
  let specialUse = false;
  let status: StatusItem[] | undefined;
  if (!c.atEnd()) {
    c.sp();
    if (!c.acceptWord('RETURN')) throw new ParseError('Expected RETURN');
    extended = true;
    c.sp();
    parenList(c, () => {
      const opt = c.keyword();
      if (opt === 'SUBSCRIBED') subscribed = true;
      else if (opt === 'CHILDREN') children = true;
      else if (opt === 'SPECIAL-USE') specialUse = true;
      else if (opt === 'STATUS') {
        c.sp();
        status = statusItems(c);
      } else throw new ParseError(`Unknown LIST return option ${opt.slice(0, 30)}`);
    });
  }
  const returnOptions = status
    ? { subscribed, children, specialUse, status }
    : { subscribed, children, specialUse };
  return { name: 'LIST', reference, patterns, selectionOptions, returnOptions, extended };
}
