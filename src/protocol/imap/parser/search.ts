/**
 * [UID] SEARCH [SP "RETURN" SP "(" [search-return-opt *(SP search-return-opt)] ")"]
 *   SP ["CHARSET" SP charset SP] search-key *(SP search-key)
 * Every key of RFC 9051 §6.4.4 plus rev1 NEW/OLD/RECENT/UNRECENT (RFC 3501), MODSEQ (RFC 7162 §3.1.5),
 * OLDER/YOUNGER (RFC 5032), SAVED* (RFC 8514),
 * EMAILID/THREADID (RFC 8474). Nesting (parentheses, NOT, OR) is bounded.
 */
import type { Command, PartialRange, SearchCommand, SearchKey, SearchReturnOption } from '../command.js';
import { flag, looksLikeSequenceSet, modSequence, parenList, searchDate, sequenceSet } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

const RETURN_OPTIONS = new Set<string>([
  'MIN',
  'MAX',
  'ALL',
  'COUNT',
  'SAVE',
  'UPDATE',
  'CONTEXT',
  'PARTIAL',
]);
/** Charsets whose strings we can decode; anything else is NO [BADCHARSET] (RFC 9051 §6.4.4). */
const CHARSETS = new Map<string, BufferEncoding>([
  ['UTF-8', 'utf8'],
  ['US-ASCII', 'utf8'],
  ['ISO-8859-1', 'latin1'],
  ['LATIN1', 'latin1'],
]);
export const SUPPORTED_SEARCH_CHARSETS = ['UTF-8', 'US-ASCII'];

const FLAG_KEYS: Record<string, readonly [string, boolean]> = {
  ANSWERED: ['\\Answered', true],
  DELETED: ['\\Deleted', true],
  DRAFT: ['\\Draft', true],
  FLAGGED: ['\\Flagged', true],
  SEEN: ['\\Seen', true],
  RECENT: ['\\Recent', true],
  UNANSWERED: ['\\Answered', false],
  UNDELETED: ['\\Deleted', false],
  UNDRAFT: ['\\Draft', false],
  UNFLAGGED: ['\\Flagged', false],
  UNSEEN: ['\\Seen', false],
  UNRECENT: ['\\Recent', false],
};
const HEADER_KEYS: Record<string, string> = {
  FROM: 'from',
  TO: 'to',
  CC: 'cc',
  BCC: 'bcc',
  SUBJECT: 'subject',
};
const DATE_KEYS: Record<string, readonly ['internal' | 'sent' | 'saved', 'before' | 'on' | 'since']> = {
  BEFORE: ['internal', 'before'],
  ON: ['internal', 'on'],
  SINCE: ['internal', 'since'],
  SENTBEFORE: ['sent', 'before'],
  SENTON: ['sent', 'on'],
  SENTSINCE: ['sent', 'since'],
  SAVEDBEFORE: ['saved', 'before'],
  SAVEDON: ['saved', 'on'],
  SAVEDSINCE: ['saved', 'since'],
};

export function parseSearch(c: Cursor, uid: boolean): SearchCommand {
  c.sp();
  const returned = returnOptionsIfAny(c);
  let charset: string | undefined;
  let encoding: BufferEncoding = 'utf8';
  if (c.acceptWord('CHARSET')) {
    c.sp();
    ({ charset, encoding } = searchCharset(c));
    c.sp();
  }
  const criteria = searchKeys(c, encoding);
  const base = { name: 'SEARCH', uid, criteria } as const;
  return {
    ...base,
    ...(charset !== undefined ? { charset } : {}),
    ...(returned !== undefined ? { returnOptions: returned.options } : {}),
    ...(returned?.partial ? { partial: returned.partial } : {}),
  };
}

/** RFC 5267 §4.3.5: `CANCELUPDATE 1*(SP quoted)`, the tags of earlier searches. */
export function parseCancelUpdate(c: Cursor): Command {
  const tags: string[] = [];
  do {
    c.sp();
    tags.push(c.string());
  } while (!c.atEnd());
  return { name: 'CANCELUPDATE', tags };
}

/** search-key *(SP search-key) up to the end of the command, as one AND. */
export function searchKeys(c: Cursor, encoding: BufferEncoding): SearchKey {
  const keys: SearchKey[] = [];
  const reader = new KeyReader(c, encoding);
  for (;;) {
    keys.push(reader.key());
    if (c.atEnd()) break;
    c.sp();
  }
  return { key: 'AND', keys };
}

/** A charset name (astring, uppercased) and how its strings decode; NO [BADCHARSET] if unknown. */
export function searchCharset(c: Cursor): { charset: string; encoding: BufferEncoding } {
  const charset = c.astring().toUpperCase();
  const encoding = CHARSETS.get(charset);
  if (!encoding) throw new ParseError(`Unsupported charset ${charset.slice(0, 40)}`, 'BADCHARSET', 'NO');
  return { charset, encoding };
}

/**
 * "RETURN" SP "(" [return options] ")" SP, if present (RFC 4731 §3.1, RFC 5267 §3.2 for SORT, §4.4
 * `PARTIAL nz-number ":" nz-number`, in either order; at most one of PARTIAL and ALL).
 */
export function returnOptionsIfAny(
  c: Cursor,
): { options: SearchReturnOption[]; partial?: PartialRange } | undefined {
  if (!c.acceptWord('RETURN')) return undefined;
  c.sp();
  const options: SearchReturnOption[] = [];
  let partial: PartialRange | undefined;
  parenList(c, () => {
    const opt = c.keyword();
    if (!RETURN_OPTIONS.has(opt)) throw new ParseError(`Unknown SEARCH return option ${opt.slice(0, 30)}`);
    if (opt === 'PARTIAL') {
      if (partial) throw new ParseError('PARTIAL given twice');
      c.sp();
      const a = c.nzNumber();
      c.expect(0x3a, ':');
      const b = c.nzNumber();
      partial = { low: Math.min(a, b), high: Math.max(a, b) };
    }
    if (!options.includes(opt as SearchReturnOption)) options.push(opt as SearchReturnOption);
  });
  if (partial && options.includes('ALL')) throw new ParseError('PARTIAL and ALL exclude each other');
  c.sp();
  return partial ? { options, partial } : { options };
}

/** objectid = 1*255(ALPHA / DIGIT / "_" / "-") (RFC 8474 §7). */
const OBJECTID = new Uint8Array(256);
for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-')
  OBJECTID[ch.charCodeAt(0)] = 1;

function objectId(c: Cursor): string {
  const id = c.run(OBJECTID, 'an objectid');
  if (id.length > 255) throw new ParseError('objectid too long');
  return id;
}

class KeyReader {
  constructor(
    private readonly c: Cursor,
    private readonly encoding: BufferEncoding,
  ) {}

  private text(): string {
    this.c.sp();
    return this.c.astringBytes().toString(this.encoding);
  }

  /** One search-key; NOT/OR/parentheses count towards the cursor's nesting bound. */
  key(): SearchKey {
    const c = this.c;
    if (c.peek() === 0x28) {
      const keys: SearchKey[] = [];
      parenList(c, () => keys.push(this.key()), false);
      return keys.length === 1 ? keys[0]! : { key: 'AND', keys };
    }
    if (looksLikeSequenceSet(c)) return { key: 'SEQ', set: sequenceSet(c) };
    const word = c.keyword();
    const flagKey = FLAG_KEYS[word];
    if (flagKey) return { key: 'FLAG', flag: flagKey[0], set: flagKey[1] };
    const header = HEADER_KEYS[word];
    if (header) return { key: 'HEADER', field: header, value: this.text() };
    const dateKey = DATE_KEYS[word];
    if (dateKey) {
      c.sp();
      return { key: 'DATE', field: dateKey[0], op: dateKey[1], date: searchDate(c) };
    }
    switch (word) {
      case 'ALL':
        return { key: 'ALL' };
      case 'NEW':
        return {
          key: 'AND',
          keys: [
            { key: 'FLAG', flag: '\\Recent', set: true },
            { key: 'FLAG', flag: '\\Seen', set: false },
          ],
        };
      case 'OLD':
        return { key: 'FLAG', flag: '\\Recent', set: false };
      case 'KEYWORD':
      case 'UNKEYWORD':
        c.sp();
        return { key: 'FLAG', flag: flag(c), set: word === 'KEYWORD' };
      case 'HEADER': {
        c.sp();
        const field = c.astring().toLowerCase();
        return { key: 'HEADER', field, value: this.text() };
      }
      case 'BODY':
      case 'TEXT':
        return { key: word, value: this.text() };
      case 'LARGER':
      case 'SMALLER':
        c.sp();
        return { key: 'SIZE', op: word === 'LARGER' ? 'larger' : 'smaller', size: c.number() };
      case 'OLDER':
      case 'YOUNGER':
        c.sp();
        return { key: 'AGE', op: word === 'OLDER' ? 'older' : 'younger', seconds: c.nzNumber() };
      case 'UID':
        c.sp();
        return { key: 'UID', set: sequenceSet(c) };
      case 'NOT': {
        c.sp();
        c.enterList();
        const inner = this.key();
        c.leaveList();
        return { key: 'NOT', inner };
      }
      case 'OR': {
        c.sp();
        c.enterList();
        const left = this.key();
        c.sp();
        const right = this.key();
        c.leaveList();
        return { key: 'OR', left, right };
      }
      case 'MODSEQ':
        return this.modseq();
      case 'SAVEDATESUPPORTED':
        return { key: 'SAVEDATESUPPORTED' };
      case 'EMAILID':
      case 'THREADID':
        c.sp();
        return { key: word, id: objectId(c) };
      default:
        throw new ParseError(`Unknown search key ${word.slice(0, 30)}`);
    }
  }

  /** MODSEQ [SP entry-name SP entry-type-req] SP mod-sequence-valzer (RFC 7162 §3.1.5). */
  private modseq(): SearchKey {
    const c = this.c;
    c.sp();
    if (c.peek() === 0x22 || c.literalNext()) {
      const name = c.string();
      c.sp();
      const type = c.keyword().toLowerCase();
      if (type !== 'priv' && type !== 'shared' && type !== 'all')
        throw new ParseError('Invalid MODSEQ entry type');
      c.sp();
      return { key: 'MODSEQ', modseq: modSequence(c), entry: { name, type } };
    }
    return { key: 'MODSEQ', modseq: modSequence(c) };
  }
}
