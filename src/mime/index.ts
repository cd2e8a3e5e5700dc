/**
 * The MIME engine's public API (pure: bytes in, data out; never throws on message input).
 *
 * Wire strings (IngestMeta.envelope/bodyStructure/body and the imap-encode helpers) are ordinary JS
 * strings whose literal lengths count UTF-8 bytes: write them to the socket as UTF-8.
 */

export { type Address, parseAddressList } from './address.js';
export { analyzeMessage } from './analyze.js';
export { binarySize, decodeSectionForBinary } from './binary.js';
export { encodeBinaryParts } from './binary-encode.js';
export { parseDate, parseDateWithZone } from './date.js';
export { encodeAddresses } from './envelope.js';
export {
  imapLiteral,
  imapNString,
  imapNStringForHumans,
  imapNStringNoLf,
  imapQuote,
  imapString,
} from './imap-encode.js';
export { parseMessage, parseMessageWithHeaders } from './parse.js';
export { decodeCharset, decodeRfc2231Value } from './rfc2231.js';
export { applyPartial, filterHeaderFields, findPart, resolveSection, sectionBytes } from './section.js';
export { MAX_RETAINED_HEADER_BYTES, StreamingAnalyzer } from './stream-analyze.js';
export { deserializeStructure, serializeStructure } from './structure-json.js';
export { decodeHeaderValue, MAX_BODY_TEXT, PREVIEW_LENGTH } from './text.js';
export {
  MAX_NESTING_DEPTH,
  MAX_PARTS,
  type MimePart,
  PART_MESSAGE,
  PART_MULTIPART,
  PART_OVERFLOW,
  PART_TEXT,
  type SectionKind,
  type SectionLocation,
  type SectionSpec,
} from './types.js';
