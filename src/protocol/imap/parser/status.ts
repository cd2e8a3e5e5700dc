/** STATUS SP mailbox SP "(" status-att *(SP status-att) ")" (RFC 9051 §6.3.11, RFC 7162, RFC 7889). */
import type { Command, StatusItem } from '../command.js';
import { parenList } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

const STATUS_ITEMS = new Set<string>([
  'MESSAGES',
  'UIDNEXT',
  'UIDVALIDITY',
  'UNSEEN',
  'DELETED',
  'SIZE',
  'RECENT',
  'HIGHESTMODSEQ',
  'APPENDLIMIT',
  'DELETED-STORAGE',
  'MAILBOXID',
]);

/** "(" status-att *(SP status-att) ")": at least one item. */
export function statusItems(c: Cursor): StatusItem[] {
  const items: StatusItem[] = [];
  parenList(
    c,
    () => {
      const item = c.keyword();
      if (!STATUS_ITEMS.has(item)) throw new ParseError(`Unknown STATUS item ${item.slice(0, 30)}`);
      if (!items.includes(item as StatusItem)) items.push(item as StatusItem);
    },
    false,
  );
  return items;
}

export function parseStatus(c: Cursor): Command {
  c.sp();
  const mailbox = c.mailbox();
  c.sp();
  return { name: 'STATUS', mailbox, items: statusItems(c) };
}
