/**
 * Bytes → MIME part tree (RFC 2045/2046), one linear pass over the lines, no recursion.
 *
 * Behaves like Dovecot's lib-mail message-parser so offsets, sizes and line counts match it:
 * - a boundary line is "--" + boundary at the start of a line, matched as a prefix (trailing junk
 *   allowed), checked innermost multipart first, including while reading a part's header;
 * - the line break before a boundary line belongs to the boundary;
 * - "--boundary--" closes the multipart; what follows is its epilogue (still inside its body);
 * - a multipart without a boundary parameter has no parts; message/rfc822 is parsed as a message
 *   whatever its Content-Transfer-Encoding; in multipart/digest a part without Content-Type is message/rfc822;
 * - a multipart or message/rfc822 at nesting depth ≥ MAX_NESTING_DEPTH - 1 stays an opaque body
 *   (BODYSTRUCTURE then calls it application/octet-stream); after MAX_PARTS parts, boundaries are no
 *   longer recognised and the last part runs to the end of the message.
 */
import { decodingTransferEncoding, paramValue, parseContentType } from './content-type.js';
import { bytesToText, findFirst, type HeaderField, parseHeaderFields } from './header.js';
import {
  MAX_NESTING_DEPTH,
  MAX_PARTS,
  type MimePart,
  PART_MESSAGE,
  PART_MULTIPART,
  PART_OVERFLOW,
  PART_TEXT,
} from './types.js';

/** Boundaries longer than this are cut (RFC 2046 §5.1.1 allows 70 characters). */
const MAX_BOUNDARY_LENGTH = 70;
/** How many first bytes of a line the builder may look at: "--" + the longest boundary + "--". */
export const LINE_HEAD_NEEDED = 2 + MAX_BOUNDARY_LENGTH * 3 + 2; // a UTF-16 unit is ≤ 3 UTF-8 bytes
const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;
const NO_BYTES = Buffer.alloc(0);

/** A part plus what the parser needs while the part is open. */
interface Frame {
  part: MimePart;
  depth: number;
  /** Its boundary while it is an open multipart (before "--boundary--"). */
  boundary: Buffer | null;
  /** LF count before bodyStart. */
  linesBeforeBody: number;
  inHeader: boolean;
  parentIsDigest: boolean;
  /** The encapsulated message of a message/rfc822 part. */
  isMessageInner: boolean;
}

/** The header bytes of one part and its fields (offsets into `bytes`). */
export interface PartHeader {
  bytes: Buffer;
  fields: HeaderField[];
}

/** What a PartTreeBuilder asks of whoever holds the bytes (the whole message, or a stream). */
export interface PartTreeSource {
  /** The header of `part`, bytes [part.headerStart, headerEnd) of the message. */
  readHeader(part: MimePart, headerEnd: number): PartHeader;
  /** Length (0, 1 or 2) of the line break (LF or CRLF) just before the current line. */
  lineBreakBefore(): number;
  /** A part's header was read, with the parts in depth-first order (isMessageInner: see Frame). */
  headerRead(part: MimePart, header: PartHeader, isMessageInner: boolean): void;
  /** A part ended: its bodyEnd and bodyLines are final. */
  partClosed(part: MimePart): void;
}

/**
 * The part-tree state machine, fed one line at a time by its caller: parseMessage gives it the whole
 * message's lines, StreamingAnalyzer the lines as they arrive in chunks. Every MIME parsing rule lives
 * here; the callers only find line ends and keep the bytes the source interface asks for.
 */
export class PartTreeBuilder {
  readonly root = newPart(0);
  private readonly stack: Frame[] = [
    {
      part: this.root,
      depth: 0,
      boundary: null,
      linesBeforeBody: 0,
      inHeader: true,
      parentIsDigest: false,
      isMessageInner: false,
    },
  ];
  private partCount = 1;
  private activeBoundaries = 0;
  /** LFs before `lineStart`. */
  private lineNo = 0;
  private lineStart = 0;
  /** End of the last boundary line: a line break before it belongs to that line, not to the next boundary. */
  private regionStart = 0;

  constructor(private readonly source: PartTreeSource) {}

  /** Offset of the next line to read. */
  get pos(): number {
    return this.lineStart;
  }

  /** The innermost open part (undefined once end() was called). */
  get current(): MimePart | undefined {
    return this.stack[this.stack.length - 1]?.part;
  }

  /** Whether the innermost open part is still in its header. */
  get inHeader(): boolean {
    return this.stack[this.stack.length - 1]?.inHeader === true;
  }

  /**
   * Reads every line of `raw` from pos on, `raw` being the whole message (end(raw.length) follows).
   * Once nothing can end the current body before the end of the message (no live boundary: none open,
   * or MAX_PARTS reached, when the last part runs to the end as in Dovecot), only counts the lines.
   */
  readAll(raw: Buffer): void {
    const length = raw.length;
    let pos = this.lineStart;
    while (pos < length) {
      const top = this.stack[this.stack.length - 1] as Frame;
      if (!top.inHeader && !(this.activeBoundaries > 0 && this.partCount < MAX_PARTS)) {
        for (let n = raw.indexOf(LF, pos); n >= 0; n = raw.indexOf(LF, n + 1)) this.lineNo++;
        this.lineStart = length;
        return;
      }
      const nl = raw.indexOf(LF, pos);
      const lineEnd = nl < 0 ? length : nl + 1;
      this.line(raw, pos, lineEnd - pos, lineEnd, nl >= 0);
      pos = lineEnd;
    }
  }

  /**
   * The line [pos, lineEnd) is complete, hasNl if it ends with LF. buf[off, off + len) holds its first
   * bytes: all of them, or at least LINE_HEAD_NEEDED.
   */
  line(buf: Buffer, off: number, len: number, lineEnd: number, hasNl: boolean): void {
    const stack = this.stack;
    const top = stack[stack.length - 1] as Frame;
    // Boundary of an enclosing (or this) multipart? Once MAX_PARTS parts exist, boundaries are ignored
    // and the last part runs to the end of the message (as in Dovecot).
    const boundariesLive = this.activeBoundaries > 0 && this.partCount < MAX_PARTS;
    if (boundariesLive && len >= 2 && buf[off] === DASH && buf[off + 1] === DASH) {
      let matched = -1;
      for (let i = stack.length - 1; i >= 0; i--) {
        const b = (stack[i] as Frame).boundary;
        if (b && len - 2 >= b.length && buf.compare(b, 0, b.length, off + 2, off + 2 + b.length) === 0) {
          matched = i;
          break;
        }
      }
      if (matched >= 0) {
        this.boundaryLine(matched, buf, off, len, lineEnd);
        if (hasNl) this.lineNo++;
        return;
      }
    }
    if (top.inHeader) {
      const blank = len >= 1 && (buf[off] === LF || (len >= 2 && buf[off] === CR && buf[off + 1] === LF));
      if (blank) this.endHeader(top, lineEnd, lineEnd, this.lineNo + (hasNl ? 1 : 0));
    }
    this.lineStart = lineEnd;
    if (hasNl) this.lineNo++;
  }

  /** The end of the message, at `length`: closes every open part. */
  end(length: number): void {
    while (this.stack.length > 0) this.closeTop(length, this.lineNo);
  }

  /** The current line is a boundary line of frame `matched`. */
  private boundaryLine(matched: number, buf: Buffer, off: number, len: number, lineEnd: number): void {
    const pos = this.lineStart;
    // The line break before the boundary line belongs to the boundary.
    let end = pos;
    let linesBeforeEnd = this.lineNo;
    const lineBreak = end > this.regionStart ? this.source.lineBreakBefore() : 0;
    if (lineBreak > 0) {
      end--;
      linesBeforeEnd--;
      if (lineBreak === 2 && end > this.regionStart) end--;
    }
    this.closeInnerParts(matched, end, linesBeforeEnd, pos, this.lineNo);
    const owner = this.stack[matched] as Frame;
    const b = owner.boundary as Buffer; // set: only frames with a boundary can match
    const after = 2 + b.length;
    const closing = after + 1 < len && buf[off + after] === DASH && buf[off + after + 1] === DASH;
    if (closing) {
      owner.boundary = null;
      this.activeBoundaries--;
    } else {
      const child = newPart(lineEnd);
      owner.part.children.push(child);
      this.partCount++;
      this.stack.push({
        part: child,
        depth: owner.depth + 1,
        boundary: null,
        linesBeforeBody: 0,
        inHeader: true,
        parentIsDigest: owner.part.subtype === 'digest',
        isMessageInner: false,
      });
    }
    this.lineStart = lineEnd;
    this.regionStart = lineEnd;
  }

  /** Header of `frame` (the top one) ends at headerEnd; the body starts at bodyStart. */
  private endHeader(frame: Frame, headerEnd: number, bodyStart: number, linesBeforeBody: number): void {
    const part = frame.part;
    frame.inHeader = false;
    part.bodyStart = bodyStart;
    frame.linesBeforeBody = linesBeforeBody;
    const header = this.source.readHeader(part, headerEnd);
    const { bytes, fields } = header;
    describePart(bytes, part, fields, frame.parentIsDigest);
    const nestedTooDeep = frame.depth + 1 >= MAX_NESTING_DEPTH || this.partCount >= MAX_PARTS;
    if (part.flags & PART_MULTIPART) {
      if (nestedTooDeep) {
        part.flags = (part.flags & ~PART_MULTIPART) | PART_OVERFLOW;
      } else {
        const ct = findFirst(fields, 'content-type');
        const boundary = ct ? boundaryOf(bytesToText(bytes, ct.valueStart, ct.valueEnd)) : null;
        if (boundary) {
          frame.boundary = boundary;
          this.activeBoundaries++;
        }
      }
    } else if (part.flags & PART_MESSAGE) {
      if (nestedTooDeep) {
        part.flags = (part.flags & ~PART_MESSAGE) | PART_OVERFLOW;
      } else {
        const inner = newPart(bodyStart);
        part.message = inner;
        this.partCount++;
        this.stack.push({
          part: inner,
          depth: frame.depth + 1,
          boundary: null,
          linesBeforeBody,
          inHeader: true,
          parentIsDigest: false,
          isMessageInner: true,
        });
      }
    }
    this.source.headerRead(part, header, frame.isMessageInner);
  }

  /** Closes the top frame at `end` (LFs before end: linesBeforeEnd). */
  private closeTop(end: number, linesBeforeEnd: number): void {
    const stack = this.stack;
    const frame = stack.pop() as Frame;
    const part = frame.part;
    if (frame.boundary) this.activeBoundaries--;
    if (frame.inHeader) {
      const headerEnd = Math.max(end, part.headerStart);
      this.endHeader(frame, headerEnd, headerEnd, linesBeforeEnd);
      // endHeader may have pushed an encapsulated message: close it too, empty.
      const top = stack[stack.length - 1];
      if (top !== undefined && top.part === part.message) {
        const inner = stack.pop() as Frame;
        inner.part.bodyStart = inner.part.bodyEnd = headerEnd;
        describePart(NO_BYTES, inner.part, [], false);
        this.source.headerRead(inner.part, { bytes: NO_BYTES, fields: [] }, true);
        this.source.partClosed(inner.part);
      }
      if (frame.boundary) {
        frame.boundary = null;
        this.activeBoundaries--;
      }
    }
    if (end <= part.bodyStart) {
      part.bodyEnd = part.bodyStart;
      part.bodyLines = 0;
    } else {
      part.bodyEnd = end;
      part.bodyLines = linesBeforeEnd - frame.linesBeforeBody;
    }
    this.source.partClosed(part);
  }

  /**
   * A boundary line at `pos` closes every part above frame `owner`. Its preceding line break
   * [end, pos) belongs to the boundary and leaves the part whose bytes it was: from a body, every
   * closing part ends at `end`; from a header (a blank line, or a header cut short), only that part's
   * header gives it back and the parts around it keep it, ending at `pos` (Dovecot's sizes).
   */
  private closeInnerParts(
    owner: number,
    end: number,
    linesBeforeEnd: number,
    pos: number,
    linesBeforePos: number,
  ): void {
    const stack = this.stack;
    let holder = owner;
    let inHeader = false;
    for (let i = stack.length - 1; i > owner; i--) {
      const frame = stack[i] as Frame;
      if (!frame.inHeader && end >= frame.part.bodyStart) break;
      if (frame.part.headerStart <= end) {
        holder = i;
        inHeader = true;
        break;
      }
    }
    while (stack.length - 1 > owner) {
      const index = stack.length - 1;
      const frame = stack[index] as Frame;
      if (!inHeader || index > holder) {
        if (inHeader) frame.part.headerStart = Math.min(frame.part.headerStart, end); // empty part after the line break
        this.closeTop(end, linesBeforeEnd);
      } else if (index === holder) {
        if (!frame.inHeader) frame.part.bodyStart = end;
        this.closeTop(end, linesBeforeEnd);
      } else {
        this.closeTop(pos, linesBeforePos);
      }
    }
  }
}

export interface ParseResult {
  root: MimePart;
  /** Header fields of every part (same order as a depth-first walk), for callers that need more than the tree. */
  headers: Map<MimePart, HeaderField[]>;
}

export function newPart(headerStart: number): MimePart {
  return {
    headerStart,
    bodyStart: headerStart,
    bodyEnd: headerStart,
    bodyLines: 0,
    flags: 0,
    type: 'text',
    subtype: 'plain',
    encoding: '7bit',
    charset: '',
    children: [],
    message: null,
  };
}

export function parseMessage(raw: Buffer): MimePart {
  return parseMessageWithHeaders(raw).root;
}

/** The whole message in memory: headers are read in place, line breaks looked up in `raw`. */
class WholeMessage implements PartTreeSource {
  readonly headers = new Map<MimePart, HeaderField[]>();
  readonly builder = new PartTreeBuilder(this);

  constructor(private readonly raw: Buffer) {}

  readHeader(part: MimePart, headerEnd: number): PartHeader {
    return { bytes: this.raw, fields: parseHeaderFields(this.raw, part.headerStart, headerEnd) };
  }

  lineBreakBefore(): number {
    const pos = this.builder.pos;
    if (this.raw[pos - 1] !== LF) return 0;
    return pos >= 2 && this.raw[pos - 2] === CR ? 2 : 1;
  }

  headerRead(part: MimePart, header: PartHeader): void {
    this.headers.set(part, header.fields);
  }

  partClosed(): void {}
}

export function parseMessageWithHeaders(raw: Buffer): ParseResult {
  const message = new WholeMessage(raw);
  const builder = message.builder;
  builder.readAll(raw);
  builder.end(raw.length);
  return { root: builder.root, headers: message.headers };
}

export function boundaryOf(contentType: string): Buffer | null {
  const boundary = paramValue(parseContentType(contentType).params, 'boundary');
  if (!boundary) return null;
  return Buffer.from(boundary.slice(0, MAX_BOUNDARY_LENGTH), 'utf8');
}

/** Sets type, flags, encoding and charset of a part from its header fields. */
export function describePart(raw: Buffer, part: MimePart, fields: HeaderField[], inDigest: boolean): void {
  const ctField = findFirst(fields, 'content-type');
  const ct = ctField ? parseContentType(bytesToText(raw, ctField.valueStart, ctField.valueEnd)) : null;
  let valid = true;
  if (ct) {
    part.type = ct.type.toLowerCase();
    part.subtype = ct.subtype.toLowerCase();
    part.charset = (paramValue(ct.params, 'charset') ?? '').toLowerCase();
    valid = ct.valid;
  } else if (inDigest) {
    part.type = 'message';
    part.subtype = 'rfc822';
  }
  // Like Dovecot's message-parser: "multipart/…" and "message/rfc822" need a well-formed value,
  // "text" alone still counts as text.
  if (part.type === 'multipart' && valid) part.flags |= PART_MULTIPART;
  else if (part.type === 'message' && part.subtype === 'rfc822' && valid) part.flags |= PART_MESSAGE;
  else if (part.type === 'text') part.flags |= PART_TEXT;
  part.encoding = decodingTransferEncoding(raw, fields).toLowerCase();
}
