/**
 * BODY and BODYSTRUCTURE (RFC 9051 §7.5.2, RFC 3501 §7.4.2), written the way Dovecot writes them
 * (lib-imap/imap-bodystructure.c): type and subtype as written; text parts without a charset get
 * ("charset" "us-ascii"); no Content-Type means text/plain (message/rfc822 inside multipart/digest);
 * a multipart without parts gets one empty text/plain part; parts past the nesting limit are
 * application/octet-stream; extension data is always complete (md5, disposition, language, location).
 */
import {
  parseContentDisposition,
  parseContentLanguage,
  parseContentType,
  transferEncodingOf,
} from './content-type.js';
import { buildEnvelope } from './envelope.js';
import { fieldValue, findFirst, type HeaderField } from './header.js';
import { imapNStringNoLf, imapString } from './imap-encode.js';
import type { Param } from './rfc2231.js';
import { type MimePart, PART_MESSAGE, PART_MULTIPART, PART_OVERFLOW, PART_TEXT } from './types.js';

const EMPTY_PART = '("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 0 0';
const EMPTY_PART_EXTENSION = ' NIL NIL NIL NIL';

export type HeaderLookup = (part: MimePart) => readonly HeaderField[];

function encodeParams(params: readonly Param[]): string {
  if (params.length === 0) return 'NIL';
  return `(${params.map(([k, v]) => `${imapString(k)} ${imapString(v)}`).join(' ')})`;
}

interface PartHeaders {
  type: string | null;
  subtype: string;
  params: Param[];
  id: string | null;
  description: string | null;
  encoding: string | null;
  md5: string | null;
  disposition: string;
  language: string;
  location: string | null;
}

const NOT_MIME: PartHeaders = {
  type: null,
  subtype: '',
  params: [],
  id: null,
  description: null,
  encoding: null,
  md5: null,
  disposition: 'NIL',
  language: 'NIL',
  location: null,
};

/** Where a part sits: a message (top level or encapsulated), a part of a multipart, or of a multipart/digest. */
export type PartContext = 'message' | 'part' | 'digest-part';

function readPartHeaders(raw: Buffer, fields: readonly HeaderField[], context: PartContext): PartHeaders {
  // Dovecot: a message's Content-* fields count only if it is MIME (has MIME-Version or Content-Type);
  // parts of a multipart always are.
  if (
    context === 'message' &&
    !fields.some((f) => f.lower === 'mime-version' || f.lower === 'content-type')
  ) {
    return NOT_MIME;
  }
  const value = (name: string): string | null => {
    const field = findFirst(fields, name);
    return field ? fieldValue(raw, field) : null;
  };
  const ctValue = value('content-type');
  const ct = ctValue === null ? null : parseContentType(ctValue);
  // (A broken value still counts: Dovecot sends what it could read, e.g. "" "".)
  // Dovecot quirk: a Content-Disposition without parameters is replaced by a later one.
  let disposition: ReturnType<typeof parseContentDisposition> = null;
  for (const field of fields) {
    if (field.lower !== 'content-disposition' || (disposition && disposition.params.length > 0)) continue;
    disposition = parseContentDisposition(fieldValue(raw, field));
  }
  const languageValue = value('content-language');
  const languages = languageValue === null ? [] : parseContentLanguage(languageValue);
  return {
    type: ct ? ct.type : null,
    subtype: ct ? ct.subtype : '',
    params: ct ? ct.params : [],
    id: value('content-id'),
    description: value('content-description'),
    encoding: transferEncodingOf(raw, fields) || null,
    md5: value('content-md5'),
    disposition: disposition
      ? `(${imapString(disposition.type)} ${encodeParams(disposition.params)})`
      : 'NIL',
    language: languages.length > 0 ? `(${languages.map(imapString).join(' ')})` : 'NIL',
    location: value('content-location'),
  };
}

/**
 * Encodes the part tree. Recursion depth is bounded by MAX_NESTING_DEPTH (the parser never nests deeper).
 */
export function buildBodyStructure(
  raw: Buffer,
  part: MimePart,
  headersOf: HeaderLookup,
  extended: boolean,
  context: PartContext = 'message',
): string {
  const h = readPartHeaders(raw, headersOf(part), context);
  if (part.flags & PART_MULTIPART) {
    let out = '(';
    if (part.children.length === 0) {
      out += `${EMPTY_PART}${extended ? EMPTY_PART_EXTENSION : ''})`;
    } else {
      const childContext = part.subtype === 'digest' ? 'digest-part' : 'part';
      for (const child of part.children)
        out += buildBodyStructure(raw, child, headersOf, extended, childContext);
    }
    out += ` ${imapString(h.subtype)}`;
    if (extended)
      out += ` ${encodeParams(h.params)} ${h.disposition} ${h.language} ${imapNStringNoLf(h.location)}`;
    return `${out})`;
  }

  let type: string;
  let subtype: string;
  let params = h.params;
  if (part.flags & PART_OVERFLOW || (h.type !== null && h.type.toLowerCase() === 'multipart')) {
    // A multipart without parts cannot be written as one (too deep, or a broken Content-Type).
    type = 'application';
    subtype = 'octet-stream';
  } else if (h.type !== null) {
    type = h.type;
    subtype = h.subtype;
  } else if (context === 'digest-part') {
    type = 'message';
    subtype = 'rfc822';
  } else {
    type = 'text';
    subtype = 'plain';
  }
  if (part.flags & PART_TEXT && !params.some(([k]) => k.toLowerCase() === 'charset')) {
    params = [...params, ['charset', 'us-ascii']];
  }
  const size = part.bodyEnd - part.bodyStart;
  let out = `(${imapString(type)} ${imapString(subtype)} ${encodeParams(params)} ${imapNStringNoLf(h.id)} ${imapNStringNoLf(h.description)} ${imapString(h.encoding ?? '7bit')} ${size}`;
  if (part.flags & PART_TEXT) {
    out += ` ${part.bodyLines}`;
  } else if (part.flags & PART_MESSAGE && part.message) {
    const inner = part.message;
    out += ` ${buildEnvelope(raw, headersOf(inner))} ${buildBodyStructure(raw, inner, headersOf, extended)} ${part.bodyLines}`;
  }
  if (extended) {
    out += ` ${imapNStringNoLf(h.md5)} ${h.disposition} ${h.language} ${imapNStringNoLf(h.location)}`;
  }
  return `${out})`;
}
