/**
 * The MIME engine's public API (pure: bytes in, data out; never throws on message input).
 *
 * Wire strings (IngestMeta.envelope/bodyStructure/body and the imap-encode helpers) are ordinary JS
 * strings whose literal lengths count UTF-8 bytes: write them to the socket as UTF-8.
 */
export { analyzeMessage } from './analyze.js';
export { parseMessage, parseMessageWithHeaders } from './parse.js';
export { serializeStructure, deserializeStructure } from './structure-json.js';
export { resolveSection, findPart, filterHeaderFields, sectionBytes, applyPartial } from './section.js';
export { decodeSectionForBinary, binarySize } from './binary.js';
export { imapQuote, imapString, imapNString, imapLiteral, imapNStringNoLf, imapNStringForHumans } from './imap-encode.js';
export { decodeHeaderValue, MAX_BODY_TEXT, PREVIEW_LENGTH } from './text.js';
export { parseAddressList, type Address } from './address.js';
export { encodeAddresses } from './envelope.js';
export { parseDate } from './date.js';
export {
  type MimePart,
  type SectionSpec,
  type SectionKind,
  type SectionLocation,
  PART_MULTIPART,
  PART_MESSAGE,
  PART_TEXT,
  PART_OVERFLOW,
  MAX_NESTING_DEPTH,
  MAX_PARTS,
} from './types.js';
