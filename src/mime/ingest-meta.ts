/** What ingest hands the store for every message (src/store keeps it verbatim; FETCH and SEARCH read it). */

/**
 * What the MIME engine computes once at ingest and the store keeps verbatim, so FETCH never
 * reparses a message (DESIGN.md "Where the speed comes from").
 */
export interface IngestMeta {
  /** IMAP ENVELOPE, already encoded as the parenthesised list to send. */
  envelope: string;
  /** IMAP BODYSTRUCTURE with extension data, encoded. */
  bodyStructure: string;
  /** IMAP BODY (no extension data), encoded. */
  body: string;
  /** The MIME part tree with byte offsets, serialised by src/mime; opaque to the store. */
  structure: string;
  /** Short plain-text preview (RFC 8970), may be empty. */
  preview: string;
  /** Decoded header text for SEARCH (all header fields, unfolded, RFC 2047 decoded). */
  headerText: string;
  /** Decoded body text for SEARCH (text parts only, bounded length). */
  bodyText: string;
  /** Parsed Date: header in ms since epoch, or null (SEARCH SENTBEFORE etc.). */
  sentDate: number | null;
  /**
   * That header's zone offset in minutes east of UTC (null without sentDate): SENTBEFORE / SENTON /
   * SENTSINCE compare the date as written, in its own zone (RFC 3501 §6.4.4). Also null for a message
   * stored before the zone was kept whose header text had no Date field left to read it from.
   */
  sentZone: number | null;
}

/**
 * A derived text (preview, header and body search text) as stored: a NUL (in a body; headers with one
 * are refused at the door) becomes U+FFFD. PostgreSQL text cannot hold NUL (the append failed, and the
 * sender was told to try again, forever), an IMAP string cannot carry it, and no SEARCH key can ask for
 * it. The message's bytes are kept as they came.
 */
export function storableText(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}
