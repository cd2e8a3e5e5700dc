/**
 * FETCH section addressing (RFC 9051 §6.4.5), answering like Dovecot (imap-msgpart.c):
 * - part numbers walk multiparts; a non-multipart message has only part 1 (its body); after a
 *   message/rfc822 part the next number addresses the encapsulated message's parts;
 * - N.MIME is part N's MIME header; N.HEADER / N.TEXT / N.HEADER.FIELDS need part N to be
 *   message/rfc822 and address the encapsulated message;
 * - a part that does not exist is an empty string, not an error.
 */
import { parseHeaderFields } from './header.js';
import {
  type MimePart,
  PART_MESSAGE,
  PART_MULTIPART,
  type SectionLocation,
  type SectionSpec,
} from './types.js';

const EMPTY: SectionLocation = { kind: 'empty' };

/**
 * Finds the part a path names; null if there is none. A non-multipart part answers to "1" (itself),
 * except that a non-multipart message's part 1 has no part 1.1 (Dovecot answers empty); after a
 * message/rfc822 part, further numbers address the encapsulated message.
 */
export function findPart(root: MimePart, path: readonly number[]): MimePart | null {
  let part = root;
  for (let i = 0; i < path.length; i++) {
    const n = path[i];
    if (part.flags & PART_MULTIPART) {
      const child = part.children[n - 1];
      if (!child) return null;
      part = child;
    } else if (n !== 1 || (i > 0 && part === root)) {
      return null;
    }
    if (part.flags & PART_MESSAGE && part.message && i + 1 < path.length) part = part.message;
  }
  return part;
}

export function resolveSection(root: MimePart, spec: SectionSpec): SectionLocation {
  let part: MimePart | null = root;
  if (spec.part.length > 0) {
    part = findPart(root, spec.part);
    if (!part) return EMPTY;
    if (spec.kind === '') return { kind: 'range', start: part.bodyStart, end: part.bodyEnd, part };
    if (spec.kind === 'MIME')
      return { kind: 'range', start: part.headerStart, end: part.bodyStart, part: null };
    // HEADER / TEXT / HEADER.FIELDS of a part: only for message/rfc822.
    if (!(part.flags & PART_MESSAGE) || !part.message) return EMPTY;
    part = part.message;
  } else if (spec.kind === '') {
    return { kind: 'range', start: 0, end: root.bodyEnd, part: root };
  }
  switch (spec.kind) {
    case 'HEADER':
      return { kind: 'range', start: part.headerStart, end: part.bodyStart, part: null };
    case 'TEXT':
      return { kind: 'range', start: part.bodyStart, end: part.bodyEnd, part: null };
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT':
      return {
        kind: 'headerFields',
        start: part.headerStart,
        end: part.bodyStart,
        fields: spec.fields ?? [],
        exclude: spec.kind === 'HEADER.FIELDS.NOT',
      };
    default:
      return EMPTY; // MIME without a part number is not valid (RFC 9051 §6.4.5)
  }
}

/**
 * HEADER.FIELDS (fields) / HEADER.FIELDS.NOT (fields) of a header block: the matching fields verbatim
 * (folding kept), in message order, then the blank line.
 */
export function filterHeaderFields(header: Buffer, fields: readonly string[], exclude: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const chunks: Buffer[] = [];
  for (const field of parseHeaderFields(header, 0, header.length)) {
    if (wanted.has(field.lower) !== exclude) {
      chunks.push(header.subarray(field.start, field.end));
      const last = header[field.end - 1];
      if (last !== 0x0a) chunks.push(Buffer.from('\r\n'));
    }
  }
  // Dovecot: HEADER.FIELDS always ends with the blank line, HEADER.FIELDS.NOT only if the header had one.
  if (!exclude || endsWithBlankLine(header)) chunks.push(Buffer.from('\r\n'));
  return Buffer.concat(chunks);
}

function endsWithBlankLine(header: Buffer): boolean {
  const n = header.length;
  if (n >= 1 && header[n - 1] === 0x0a) {
    if (n === 1 || header[n - 2] === 0x0a) return true;
    if (header[n - 2] === 0x0d && (n === 2 || header[n - 3] === 0x0a)) return true;
  }
  return false;
}

/** The section's bytes, given the whole raw message (convenience for small messages and tests). */
export function sectionBytes(raw: Buffer, location: SectionLocation): Buffer {
  switch (location.kind) {
    case 'empty':
      return Buffer.alloc(0);
    case 'range':
      return raw.subarray(location.start, location.end);
    case 'headerFields':
      return filterHeaderFields(
        raw.subarray(location.start, location.end),
        location.fields,
        location.exclude,
      );
  }
}

/** Applies a partial fetch <offset.length> (RFC 9051 §6.4.5): offsets past the end give an empty result. */
export function applyPartial(bytes: Buffer, offset: number, length?: number): Buffer {
  if (offset >= bytes.length) return bytes.subarray(bytes.length);
  return bytes.subarray(
    offset,
    length === undefined ? bytes.length : Math.min(bytes.length, offset + length),
  );
}
