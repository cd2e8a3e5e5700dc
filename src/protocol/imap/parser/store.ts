/**
 * [UID] STORE SP sequence-set [SP "(" "UNCHANGEDSINCE" SP mod-sequence-valzer ")"] SP store-att-flags
 * store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
 * (RFC 9051 §6.4.6, RFC 7162 §3.1.3).
 */
import type { StoreCommand } from '../command.js';
import { flag, flagList, modSequence, sequenceSet } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

export function parseStore(c: Cursor, uid: boolean): StoreCommand {
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  let unchangedSince: number | undefined;
  if (c.accept(0x28)) {
    if (!c.acceptWord('UNCHANGEDSINCE')) throw new ParseError('Unknown STORE modifier');
    c.sp();
    unchangedSince = modSequence(c);
    c.expect(0x29, ')');
    c.sp();
  }
  let operation: StoreCommand['operation'] = 'replace';
  if (c.accept(0x2b)) operation = 'add';
  else if (c.accept(0x2d)) operation = 'remove';
  const item = c.keyword();
  let silent = false;
  if (item === 'FLAGS.SILENT') silent = true;
  else if (item !== 'FLAGS') throw new ParseError(`Unknown STORE item ${item.slice(0, 30)}`);
  c.sp();
  let flags: string[];
  if (c.peek() === 0x28) flags = flagList(c);
  else {
    flags = [flag(c)];
    while (c.accept(0x20)) flags.push(flag(c));
  }
  const base = { name: 'STORE', uid, set, operation, silent, flags } as const;
  return unchangedSince === undefined ? base : { ...base, unchangedSince };
}
