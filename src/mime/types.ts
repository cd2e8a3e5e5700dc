/** The MIME part tree: byte offsets into the raw message plus what FETCH needs to address sections. */

export const PART_MULTIPART = 1;
/** message/rfc822: `message` holds the encapsulated message. */
export const PART_MESSAGE = 2;
/** text/* (BODYSTRUCTURE carries a line count). */
export const PART_TEXT = 4;
/** A multipart or message/rfc822 deeper than the nesting limit, kept as an opaque body. */
export const PART_OVERFLOW = 8;

export interface MimePart {
  /** Offset of the first header byte. For an encapsulated message this equals its parent's bodyStart. */
  headerStart: number;
  /** Offset of the body: just past the blank line that ends the header (= header end). */
  bodyStart: number;
  /** Offset just past the body. The line break before a boundary belongs to the boundary (RFC 2046 §5.1.1). */
  bodyEnd: number;
  /** Number of LF characters in the body. */
  bodyLines: number;
  /** PART_* bits. */
  flags: number;
  /** Lower-cased Content-Type type and subtype after defaults ("text"/"plain" when absent). */
  type: string;
  subtype: string;
  /** Lower-cased Content-Transfer-Encoding, "7bit" when absent. */
  encoding: string;
  /** Lower-cased charset parameter, "" when absent. */
  charset: string;
  /** Parts of a multipart, in order. */
  children: MimePart[];
  /** The encapsulated message of a message/rfc822 part. */
  message: MimePart | null;
}

/** A FETCH section (RFC 9051 §6.4.5): part path, then an optional text kind. */
export type SectionKind = '' | 'HEADER' | 'TEXT' | 'MIME' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT';

export interface SectionSpec {
  /** Part numbers, e.g. [1, 2] for "1.2"; empty for the whole message. */
  part: readonly number[];
  kind: SectionKind;
  /** Field names for HEADER.FIELDS / HEADER.FIELDS.NOT. */
  fields?: readonly string[];
}

/**
 * Where a section's bytes are. `range`: raw[start, end) of the stored message (stream it from the blob).
 * `headerFields`: filter the header block raw[start, end) with filterHeaderFields(). `empty`: the section
 * does not exist; RFC 9051 and Dovecot answer an empty string.
 */
export type SectionLocation =
  | { kind: 'range'; start: number; end: number; part: MimePart | null }
  | { kind: 'headerFields'; start: number; end: number; fields: readonly string[]; exclude: boolean }
  | { kind: 'empty' };

export const MAX_NESTING_DEPTH = 100;
export const MAX_PARTS = 10000;
