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
  parseTransferEncoding,
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

function readPartHeaders(raw: Buffer, fields: readonly HeaderField[]): PartHeaders {
  const value = (name: string): string | null => {
    const field = findFirst(fields, name);
    return field ? fieldValue(raw, field) : null;
  };
  const ctValue = value('content-type');
  const ct = ctValue === null ? null : parseContentType(ctValue);
  const cteValue = value('content-transfer-encoding');
  const dispositionValue = value('content-disposition');
  const disposition = dispositionValue === null ? null : parseContentDisposition(dispositionValue);
  const languageValue = value('content-language');
  const languages = languageValue === null ? [] : parseContentLanguage(languageValue);
  return {
    type: ct ? ct.type : null,
    subtype: ct ? ct.subtype : '',
    params: ct ? ct.params : [],
    id: value('content-id'),
    description: value('content-description'),
    encoding: cteValue === null ? null : parseTransferEncoding(cteValue),
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
  inDigest = false,
): string {
  const h = readPartHeaders(raw, headersOf(part));
  if (part.flags & PART_MULTIPART) {
    let out = '(';
    if (part.children.length === 0) {
      out += `${EMPTY_PART}${extended ? EMPTY_PART_EXTENSION : ''})`;
    } else {
      const digest = part.subtype === 'digest';
      for (const child of part.children) out += buildBodyStructure(raw, child, headersOf, extended, digest);
    }
    out += ` ${imapString(h.subtype)}`;
    if (extended)
      out += ` ${encodeParams(h.params)} ${h.disposition} ${h.language} ${imapNStringNoLf(h.location)}`;
    return `${out})`;
  }

  let type: string;
  let subtype: string;
  let params = h.params;
  if (part.flags & PART_OVERFLOW) {
    type = 'application';
    subtype = 'octet-stream';
  } else if (h.type !== null) {
    type = h.type;
    subtype = h.subtype;
  } else if (inDigest) {
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
