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

export function parseMessageWithHeaders(raw: Buffer): ParseResult {
  const headers = new Map<MimePart, HeaderField[]>();
  const length = raw.length;
  const root = newPart(0);
  const stack: Frame[] = [
    { part: root, depth: 0, boundary: null, linesBeforeBody: 0, inHeader: true, parentIsDigest: false },
  ];
  let partCount = 1;
  let activeBoundaries = 0;
  let lineNo = 0; // LFs before `pos`
  let pos = 0;
  /** End of the last boundary line: a line break before it belongs to that line, not to the next boundary. */
  let regionStart = 0;

  /** Header of the top frame ends at headerEnd; the body starts at bodyStart. */
  const endHeader = (frame: Frame, headerEnd: number, bodyStart: number, linesBeforeBody: number): void => {
    const part = frame.part;
    frame.inHeader = false;
    part.bodyStart = bodyStart;
    frame.linesBeforeBody = linesBeforeBody;
    const fields = parseHeaderFields(raw, part.headerStart, headerEnd);
    headers.set(part, fields);
    describePart(raw, part, fields, frame.parentIsDigest);
    const nestedTooDeep = frame.depth + 1 >= MAX_NESTING_DEPTH || partCount >= MAX_PARTS;
    if (part.flags & PART_MULTIPART) {
      if (nestedTooDeep) {
        part.flags = (part.flags & ~PART_MULTIPART) | PART_OVERFLOW;
        return;
      }
      const ct = findFirst(fields, 'content-type');
      const boundary = ct ? boundaryOf(bytesToText(raw, ct.valueStart, ct.valueEnd)) : null;
      if (boundary) {
        frame.boundary = boundary;
        activeBoundaries++;
      }
    } else if (part.flags & PART_MESSAGE) {
      if (nestedTooDeep) {
        part.flags = (part.flags & ~PART_MESSAGE) | PART_OVERFLOW;
        return;
      }
      const inner = newPart(bodyStart);
      part.message = inner;
      partCount++;
      stack.push({
        part: inner,
        depth: frame.depth + 1,
        boundary: null,
        linesBeforeBody: linesBeforeBody,
        inHeader: true,
        parentIsDigest: false,
      });
    }
  };

  /** Closes the top frame at `end` (LFs before end: linesBeforeEnd). */
  const closeTop = (end: number, linesBeforeEnd: number): void => {
    const frame = stack.pop() as Frame;
    const part = frame.part;
    if (frame.boundary) activeBoundaries--;
    if (frame.inHeader) {
      const headerEnd = Math.max(end, part.headerStart);
      endHeader(frame, headerEnd, headerEnd, linesBeforeEnd);
      // endHeader may have pushed an encapsulated message: close it too, empty.
      if (stack[stack.length - 1] !== undefined && stack[stack.length - 1].part === part.message) {
        const inner = stack.pop() as Frame;
        inner.part.bodyStart = inner.part.bodyEnd = headerEnd;
        headers.set(inner.part, []);
        describePart(raw, inner.part, [], false);
      }
      if (frame.boundary) {
        frame.boundary = null;
        activeBoundaries--;
      }
    }
    if (end <= part.bodyStart) {
      part.bodyEnd = part.bodyStart;
      part.bodyLines = 0;
    } else {
      part.bodyEnd = end;
      part.bodyLines = linesBeforeEnd - frame.linesBeforeBody;
    }
  };

  /**
   * A boundary line at `pos` closes every part above frame `owner`. Its preceding line break
   * [end, pos) belongs to the boundary and leaves the part whose bytes it was: from a body, every
   * closing part ends at `end`; from a header (a blank line, or a header cut short), only that part's
   * header gives it back and the parts around it keep it, ending at `pos` (Dovecot's sizes).
   */
  const closeInnerParts = (
    owner: number,
    end: number,
    linesBeforeEnd: number,
    pos: number,
    linesBeforePos: number,
  ): void => {
    let holder = owner;
    let inHeader = false;
    for (let i = stack.length - 1; i > owner; i--) {
      const frame = stack[i];
      if (!frame.inHeader && end >= frame.part.bodyStart) break;
      if (frame.part.headerStart <= end) {
        holder = i;
        inHeader = true;
        break;
      }
    }
    while (stack.length - 1 > owner) {
      const index = stack.length - 1;
      const frame = stack[index];
      if (!inHeader || index > holder) {
        if (inHeader) frame.part.headerStart = Math.min(frame.part.headerStart, end); // empty part after the line break
        closeTop(end, linesBeforeEnd);
      } else if (index === holder) {
        if (!frame.inHeader) frame.part.bodyStart = end;
        closeTop(end, linesBeforeEnd);
      } else {
        closeTop(pos, linesBeforePos);
      }
    }
  };

  while (pos < length) {
    const nl = raw.indexOf(10, pos);
    const lineEnd = nl < 0 ? length : nl + 1;
    const top = stack[stack.length - 1];

    // Boundary of an enclosing (or this) multipart? Once MAX_PARTS parts exist, boundaries are ignored
    // and the last part runs to the end of the message (as in Dovecot).
    const boundariesLive = activeBoundaries > 0 && partCount < MAX_PARTS;
    if (boundariesLive && raw[pos] === 0x2d && raw[pos + 1] === 0x2d) {
      let matched = -1;
      for (let i = stack.length - 1; i >= 0; i--) {
        const b = stack[i].boundary;
        if (
          b &&
          lineEnd - pos - 2 >= b.length &&
          raw.compare(b, 0, b.length, pos + 2, pos + 2 + b.length) === 0
        ) {
          matched = i;
          break;
        }
      }
      if (matched >= 0) {
        // The line break before the boundary line belongs to the boundary.
        let end = pos;
        let linesBeforeEnd = lineNo;
        if (end > regionStart && raw[end - 1] === 0x0a) {
          end--;
          linesBeforeEnd--;
          if (end > regionStart && raw[end - 1] === 0x0d) end--;
        }
        closeInnerParts(matched, end, linesBeforeEnd, pos, lineNo);
        const owner = stack[matched];
        const b = owner.boundary as Buffer; // set: only frames with a boundary can match
        const after = pos + 2 + b.length;
        const closing = raw[after] === 0x2d && raw[after + 1] === 0x2d;
        if (closing) {
          owner.boundary = null;
          activeBoundaries--;
        } else {
          const child = newPart(lineEnd);
          owner.part.children.push(child);
          partCount++;
          stack.push({
            part: child,
            depth: owner.depth + 1,
            boundary: null,
            linesBeforeBody: 0,
            inHeader: true,
            parentIsDigest: owner.part.subtype === 'digest',
          });
        }
        pos = lineEnd;
        regionStart = lineEnd;
        if (nl >= 0) lineNo++;
        continue;
      }
    }

    if (top.inHeader) {
      const blank = raw[pos] === 0x0a || (raw[pos] === 0x0d && raw[pos + 1] === 0x0a);
      if (blank) endHeader(top, lineEnd, lineEnd, lineNo + (nl >= 0 ? 1 : 0));
    } else if (!boundariesLive) {
      // Nothing can end this body before the end of the message: count the remaining lines and stop.
      if (nl >= 0) lineNo++;
      let p = lineEnd;
      while (p < length) {
        const n = raw.indexOf(10, p);
        if (n < 0) break;
        lineNo++;
        p = n + 1;
      }
      pos = length;
      break;
    }
    pos = lineEnd;
    if (nl >= 0) lineNo++;
  }

  while (stack.length > 0) closeTop(length, lineNo);
  return { root, headers };
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
