/**
 * [UID] FETCH SP sequence-set SP ("ALL" / "FULL" / "FAST" / fetch-att / "(" fetch-att *(SP fetch-att) ")")
 *   [SP "(" fetch-modifier *(SP fetch-modifier) ")"]
 * (RFC 9051 §6.4.5, RFC 3501 RFC822.*, RFC 3516 BINARY, RFC 7162 CHANGEDSINCE/VANISHED, RFC 8514, RFC 8970).
 */
import type {
  FetchAttribute,
  FetchCommand,
  FetchModifiers,
  FetchSimpleItem,
  Partial,
  SectionKind,
  SectionSpec,
} from '../command.js';
import { modSequence, parenList, sequenceSet } from './common.js';
import { type Cursor, ParseError } from './cursor.js';

/** Letters, digits, "." and "-": the characters of fetch-att names (stops before "[" and "<"). */
const NAME = new Uint8Array(256);
for (let ch = 0; ch < 256; ch++) {
  const s = String.fromCharCode(ch);
  if (/[A-Za-z0-9.-]/.test(s)) NAME[ch] = 1;
}

const SIMPLE = new Set<string>([
  'FLAGS',
  'INTERNALDATE',
  'RFC822.SIZE',
  'ENVELOPE',
  'BODY',
  'BODYSTRUCTURE',
  'UID',
  'MODSEQ',
  'RFC822',
  'RFC822.HEADER',
  'RFC822.TEXT',
  'SAVEDATE',
  'PREVIEW',
  'EMAILID',
  'THREADID',
]);

const MACROS: Record<string, readonly FetchSimpleItem[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

export function parseFetch(c: Cursor, uid: boolean): FetchCommand {
  c.sp();
  const set = sequenceSet(c);
  c.sp();
  const attributes: FetchAttribute[] = [];
  let macro: FetchCommand['macro'];
  if (c.peek() === 0x28) {
    parenList(c, () => attributes.push(fetchAtt(c)), false);
  } else {
    const save = c.pos;
    const word = c.run(NAME, 'a fetch item').toUpperCase();
    const expansion = MACROS[word];
    if (expansion && c.peek() !== 0x5b) {
      macro = word as FetchCommand['macro'];
      for (const item of expansion) attributes.push({ item });
    } else {
      c.pos = save;
      attributes.push(fetchAtt(c));
    }
  }
  const modifiers: { changedSince?: number; vanished?: boolean } = {};
  if (!c.atEnd()) {
    c.sp();
    parenList(
      c,
      () => {
        const m = c.keyword();
        if (m === 'CHANGEDSINCE') {
          c.sp();
          modifiers.changedSince = modSequence(c);
        } else if (m === 'VANISHED') modifiers.vanished = true;
        else throw new ParseError(`Unknown FETCH modifier ${m.slice(0, 30)}`);
      },
      false,
    );
    // RFC 7162 §3.2.6: VANISHED needs UID FETCH and CHANGEDSINCE.
    if (modifiers.vanished && (!uid || modifiers.changedSince === undefined)) {
      throw new ParseError('VANISHED requires UID FETCH with CHANGEDSINCE');
    }
  }
  const out: FetchCommand = { name: 'FETCH', uid, set, attributes, modifiers: modifiers as FetchModifiers };
  return macro ? { ...out, macro } : out;
}

/** One fetch-att (also NOTIFY's MessageNew list, RFC 5465 §5.2). */
export function fetchAtt(c: Cursor): FetchAttribute {
  const name = c.run(NAME, 'a fetch item').toUpperCase();
  const bracket = c.peek() === 0x5b;
  if (name === 'BODY' || name === 'BODY.PEEK') {
    if (!bracket) {
      if (name === 'BODY') return { item: 'BODY' };
      throw new ParseError('BODY.PEEK needs a section');
    }
    const section = parseSection(c);
    const partial = parsePartial(c);
    const peek = name === 'BODY.PEEK';
    return partial ? { item: 'BODY[]', peek, section, partial } : { item: 'BODY[]', peek, section };
  }
  if (name === 'BINARY' || name === 'BINARY.PEEK' || name === 'BINARY.SIZE') {
    const part = parseBinarySection(c);
    if (name === 'BINARY.SIZE') return { item: 'BINARY.SIZE', part };
    const partial = parsePartial(c);
    const peek = name === 'BINARY.PEEK';
    return partial ? { item: 'BINARY[]', peek, part, partial } : { item: 'BINARY[]', peek, part };
  }
  if (bracket || !SIMPLE.has(name)) throw new ParseError(`Unknown FETCH item ${name.slice(0, 30)}`);
  if (name === 'PREVIEW' && c.peek() === 0x20 && c.peekWord(' (LAZY)')) c.pos += 7; // RFC 8970 §3
  return { item: name as FetchSimpleItem };
}

/** section-part = nz-number *("." nz-number); at most 100 levels. */
function sectionPart(c: Cursor): number[] {
  const part: number[] = [];
  for (;;) {
    part.push(c.nzNumber());
    if (part.length > 100) throw new ParseError('Section part too deep', 'LIMIT');
    if (c.peek() !== 0x2e) return part;
    const b = c.pos + 1;
    c.pos++;
    const next = c.peek();
    if (next < 0x30 || next > 0x39) {
      c.pos = b - 1; // leave the "." for the section-text
      return part;
    }
  }
}

/** section = "[" [section-spec] "]" (RFC 9051 §9). */
export function parseSection(c: Cursor): SectionSpec {
  c.expect(0x5b, '[');
  let part: number[] = [];
  const first = c.peek();
  if (first >= 0x30 && first <= 0x39) {
    part = sectionPart(c);
    if (!c.accept(0x2e)) {
      c.expect(0x5d, ']');
      return { part, kind: '' };
    }
  } else if (c.accept(0x5d)) return { part, kind: '' };
  const text = c.run(NAME, 'a section text').toUpperCase();
  let kind: SectionKind;
  let fields: string[] | undefined;
  switch (text) {
    case 'HEADER':
    case 'TEXT':
      kind = text;
      break;
    case 'MIME':
      if (part.length === 0) throw new ParseError('MIME needs a part number');
      kind = 'MIME';
      break;
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      kind = text;
      c.sp();
      const list: string[] = [];
      parenList(c, () => list.push(c.astring().toUpperCase()), false);
      fields = list;
      break;
    }
    default:
      throw new ParseError(`Unknown section ${text.slice(0, 30)}`);
  }
  c.expect(0x5d, ']');
  return fields ? { part, kind, fields } : { part, kind };
}

/** section-binary = "[" [section-part] "]" (RFC 3516 §5). */
function parseBinarySection(c: Cursor): number[] {
  c.expect(0x5b, '[');
  if (c.accept(0x5d)) return [];
  const part = sectionPart(c);
  c.expect(0x5d, ']');
  return part;
}

/** partial = "<" number64 "." nz-number64 ">" (RFC 9051 §9; JS-safe integers here). */
function parsePartial(c: Cursor): Partial | undefined {
  if (!c.accept(0x3c)) return undefined;
  const offset = c.number();
  c.expect(0x2e, '.');
  const length = c.number();
  if (length === 0) throw new ParseError('Partial length must not be zero');
  c.expect(0x3e, '>');
  return { offset, length };
}
