/**
 * Commands taking mailbox names: SELECT/EXAMINE (with CONDSTORE/QRESYNC params), CREATE (USE),
 * DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE, LSUB, COPY/MOVE (RFC 9051 §6.3, RFC 7162, RFC 6154).
 */

import type { SequenceSet } from '../../../lib/seqset.js';
import type { Command, QresyncParams } from '../command.js';
import { flagList, modSequence, parenList, sequenceSet } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

/** SELECT/EXAMINE SP mailbox [SP "(" select-param *(SP select-param) ")"] (RFC 7162 §3.1.8, §3.2.5). */
export function parseSelect(c: Cursor, name: 'SELECT' | 'EXAMINE'): Command {
  c.sp();
  const mailbox = c.mailbox();
  let condstore = false;
  let qresync: QresyncParams | undefined;
  if (!c.atEnd()) {
    c.sp();
    parenList(c, () => {
      const param = c.keyword();
      if (param === 'CONDSTORE') condstore = true;
      else if (param === 'QRESYNC') {
        c.sp();
        qresync = parseQresync(c);
      } else throw new ParseError(`Unknown SELECT parameter ${param.slice(0, 30)}`);
    });
  }
  return qresync ? { name, mailbox, condstore, qresync } : { name, mailbox, condstore };
}

/** "(" uidvalidity SP mod-sequence-value [SP known-uids] [SP seq-match-data] ")" */
function parseQresync(c: Cursor): QresyncParams {
  c.expect(0x28, '(');
  const uidValidity = c.nzNumber();
  c.sp();
  const modseq = modSequence(c);
  let knownUids: SequenceSet | undefined;
  let seqMatch: QresyncParams['seqMatch'];
  if (c.accept(0x20)) {
    if (c.peek() !== 0x28) {
      knownUids = sequenceSet(c);
      if (c.accept(0x20)) seqMatch = parseSeqMatch(c);
    } else seqMatch = parseSeqMatch(c);
  }
  c.expect(0x29, ')');
  const out: { -readonly [K in keyof QresyncParams]: QresyncParams[K] } = { uidValidity, modseq };
  if (knownUids) out.knownUids = knownUids;
  if (seqMatch) out.seqMatch = seqMatch;
  return out;
}

function parseSeqMatch(c: Cursor): { seqs: SequenceSet; uids: SequenceSet } {
  c.expect(0x28, '(');
  const seqs = sequenceSet(c);
  c.sp();
  const uids = sequenceSet(c);
  c.expect(0x29, ')');
  return { seqs, uids };
}

/** CREATE SP mailbox [SP "(" "USE" SP "(" use-attr *(SP use-attr) ")" ")"] (RFC 6154 §3). */
export function parseCreate(c: Cursor): Command {
  c.sp();
  const mailbox = c.mailbox();
  if (c.atEnd()) return { name: 'CREATE', mailbox };
  c.sp();
  let specialUse: string[] = [];
  parenList(c, () => {
    const param = c.keyword();
    if (param !== 'USE') throw new ParseError(`Unknown CREATE parameter ${param.slice(0, 30)}`);
    c.sp();
    specialUse = flagList(c);
  });
  return { name: 'CREATE', mailbox, specialUse };
}

export function parseOneMailbox(c: Cursor, name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'): Command {
  c.sp();
  return { name, mailbox: c.mailbox() };
}

export function parseRename(c: Cursor): Command {
  c.sp();
  const from = c.mailbox();
  c.sp();
  const to = c.mailbox();
  return { name: 'RENAME', from, to };
}

/** LSUB SP mailbox SP list-mailbox (RFC 3501 §6.3.9). */
export function parseLsub(c: Cursor): Command {
  c.sp();
  const reference = c.mailbox();
  c.sp();
  const pattern = c.listMailbox();
  return { name: 'LSUB', reference, pattern };
}

/** [UID] COPY/MOVE SP sequence-set SP mailbox (RFC 9051 §6.4.7, §6.4.8). */
export function parseCopyMove(c: Cursor, name: 'COPY' | 'MOVE', uid: boolean): Command {
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  const mailbox = c.mailbox();
  return { name, uid, set, mailbox };
}

/** UID EXPUNGE SP sequence-set (RFC 9051 §6.4.9). */
export function parseUidExpunge(c: Cursor): Command {
  c.sp();
  return { name: 'EXPUNGE', uid: true, set: sequenceSet(c) };
}
