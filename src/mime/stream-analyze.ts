/**
 * analyzeMessage for a message that arrives in chunks, without holding it whole: push(chunk) as the
 * bytes come, finish() at the end → the same IngestMeta analyzeMessage(raw) gives for the concatenation.
 *
 * It is parse.ts's line scanner made resumable (same rules, same order of decisions; keep the two in
 * step). What is kept: the header bytes of every part (they feed ENVELOPE, BODYSTRUCTURE and header
 * search text; at most MAX_RETAINED_HEADER_BYTES in all), the first bytes of the one text part being
 * read (what partText would read for bodyText/preview, ≤ ~700 KB), the first bytes of each line (for
 * boundary matching) and the small parser state. Body bytes are otherwise dropped as they pass.
 *
 * bodyText and preview are computed part by part as parts end: the parts appear in the message in the
 * same depth-first order text.ts walks the finished tree, so the budgets and results are the same.
 *
 * Never throws. If the headers exceed their bound or anything unexpected happens, finish() returns
 * null and the caller analyses the stored message with analyzeMessage instead (still correct, just
 * not bounded in memory for that pathological message).
 */
import type { IngestMeta } from '../store/store.js';
import { buildBodyStructure } from './bodystructure.js';
import { parseDate } from './date.js';
import { buildEnvelope } from './envelope.js';
import {
  bytesToText,
  fieldValue,
  findFirst,
  findLast,
  type HeaderField,
  parseHeaderFields,
} from './header.js';
import { boundaryOf, describePart, newPart } from './parse.js';
import { serializeStructure } from './structure-json.js';
import {
  headerSearchText,
  htmlToText,
  MAX_BODY_TEXT,
  PREVIEW_SOURCE_BYTES,
  partText,
  previewOfPart,
} from './text.js';
import {
  MAX_NESTING_DEPTH,
  MAX_PARTS,
  type MimePart,
  PART_MESSAGE,
  PART_MULTIPART,
  PART_OVERFLOW,
} from './types.js';

/** Header bytes kept in all (every part's header); beyond it the streaming analysis gives up. */
export const MAX_RETAINED_HEADER_BYTES = 4 * 1024 * 1024;
/** First bytes of each line kept for boundary matching ("--" + a boundary of ≤ 70 UTF-8 characters + "--"). */
const HEAD_MAX = 512;
const LF = 0x0a;
const CR = 0x0d;
const DASH = 0x2d;

interface Frame {
  part: MimePart;
  depth: number;
  boundary: Buffer | null;
  linesBeforeBody: number;
  inHeader: boolean;
  parentIsDigest: boolean;
  /** The encapsulated message of a message/rfc822 part (its header text goes to bodyText). */
  isMessageInner: boolean;
}

/** Header bytes of one part and its fields (offsets into `bytes`). */
interface PartHeader {
  bytes: Buffer;
  fields: HeaderField[];
}

/** The text part being read: what to keep of its body and what to compute when it ends. */
interface Leaf {
  part: MimePart;
  keep: number;
  chunks: Buffer[];
  kept: number;
  /** partText budget for bodyText, or -1 when this part does not contribute to bodyText. */
  bodyBudget: number;
  preview: 'plain' | 'html' | null;
}

/** ceil(maxBytes·4/3)+4: how far partText reads into a body for a budget of maxBytes. */
const windowFor = (maxBytes: number): number => Math.ceil((maxBytes * 4) / 3) + 4;

export class StreamingAnalyzer {
  private failed = false;
  private finished = false;
  private readonly root = newPart(0);
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
  private readonly headers = new Map<MimePart, PartHeader>();
  private headerBytesKept = 0;
  private partCount = 1;
  private activeBoundaries = 0;
  private lineNo = 0;
  /** Offset of the start of the current line (= parse.ts's pos). */
  private pos = 0;
  private regionStart = 0;
  /** Bytes received so far. */
  private total = 0;
  /** The last two bytes received (b1 last). */
  private b1 = -1;
  private b2 = -1;
  /** The two bytes before the current line (raw[pos-1], raw[pos-2]). */
  private lineP1 = -1;
  private lineP2 = -1;
  private readonly head = Buffer.alloc(HEAD_MAX);
  private headLen = 0;
  /** Header bytes of the top frame while it is in its header, from hdrStart. */
  private hdrChunks: Buffer[] = [];
  private hdrStart = -1;
  private leaf: Leaf | null = null;
  private collectLeaf = false;
  private bodyText = '';
  private plainPreview: string | null = null;
  private htmlPreview: string | null = null;

  push(chunk: Buffer): void {
    if (this.failed || this.finished || chunk.length === 0) return;
    try {
      let start = 0;
      while (start < chunk.length) {
        if (this.total === this.pos) this.beginLine();
        const nl = chunk.indexOf(LF, start);
        const segEnd = nl < 0 ? chunk.length : nl + 1;
        this.consume(chunk, start, segEnd);
        if (this.failed) return;
        start = segEnd;
        if (nl >= 0) this.processLine(this.total, true);
      }
    } catch {
      this.fail();
    }
  }

  /** The IngestMeta of everything pushed, or null if the streaming analysis gave up (see above). */
  finish(): IngestMeta | null {
    if (this.failed || this.finished) return null;
    this.finished = true;
    try {
      if (this.pos < this.total) this.processLine(this.total, false);
      while (this.stack.length > 0) this.closeTop(this.total, this.lineNo);
      if (this.failed) return null;
      return this.meta();
    } catch {
      return null;
    }
  }

  private fail(): void {
    this.failed = true;
    this.hdrChunks = [];
    this.leaf = null;
    this.headers.clear();
  }

  private beginLine(): void {
    this.lineP1 = this.b1;
    this.lineP2 = this.b2;
    this.headLen = 0;
    const top = this.stack[this.stack.length - 1];
    if (top?.inHeader && this.hdrStart < 0) this.hdrStart = this.pos;
    const leaf = this.leaf;
    this.collectLeaf = !!leaf && top?.part === leaf.part && !top.inHeader && leaf.kept < leaf.keep;
  }

  private consume(chunk: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.headLen < HEAD_MAX) {
      const take = Math.min(n, HEAD_MAX - this.headLen);
      chunk.copy(this.head, this.headLen, start, start + take);
      this.headLen += take;
    }
    if (this.hdrStart >= 0) {
      this.headerBytesKept += n;
      if (this.headerBytesKept > MAX_RETAINED_HEADER_BYTES) {
        this.fail();
        return;
      }
      this.hdrChunks.push(Buffer.from(chunk.subarray(start, end)));
    }
    if (this.collectLeaf) {
      const leaf = this.leaf as Leaf;
      const take = Math.min(n, leaf.keep - leaf.kept);
      if (take > 0) {
        leaf.chunks.push(Buffer.from(chunk.subarray(start, start + take)));
        leaf.kept += take;
      }
      if (leaf.kept >= leaf.keep) this.collectLeaf = false;
    }
    if (n >= 2) {
      this.b2 = chunk[end - 2] as number;
      this.b1 = chunk[end - 1] as number;
    } else {
      this.b2 = this.b1;
      this.b1 = chunk[start] as number;
    }
    this.total += n;
  }

  /** Header bytes [start, end) of the part whose header is being collected. */
  private headerBytes(start: number, end: number): Buffer {
    const chunks = this.hdrChunks;
    const hdrStart = this.hdrStart;
    this.hdrChunks = [];
    this.hdrStart = -1;
    let collected = 0;
    for (const c of chunks) collected += c.length;
    this.headerBytesKept -= collected;
    if (end <= start || hdrStart < 0) return Buffer.alloc(0);
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, collected);
    const bytes = all.subarray(Math.max(0, start - hdrStart), Math.max(0, end - hdrStart));
    this.headerBytesKept += bytes.length;
    return bytes;
  }

  private endHeader(frame: Frame, headerEnd: number, bodyStart: number, linesBeforeBody: number): void {
    const part = frame.part;
    frame.inHeader = false;
    part.bodyStart = bodyStart;
    frame.linesBeforeBody = linesBeforeBody;
    const bytes = this.headerBytes(part.headerStart, headerEnd);
    const fields = parseHeaderFields(bytes, 0, bytes.length);
    this.headers.set(part, { bytes, fields });
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
    this.visit(part, fields, bytes, frame.isMessageInner);
  }

  /** A part's header is known: the depth-first visit text.ts makes of it, in the same order. */
  private visit(part: MimePart, fields: HeaderField[], bytes: Buffer, isMessageInner: boolean): void {
    if (isMessageInner && this.bodyText.length < MAX_BODY_TEXT) {
      this.appendBodyText(headerSearchText(bytes, fields));
    }
    if (part.flags & (PART_MULTIPART | PART_MESSAGE)) return;
    // A leaf part (leafParts / bodySearchText).
    let bodyBudget = -1;
    let keep = 0;
    if (part.type === 'text' && this.bodyText.length < MAX_BODY_TEXT) {
      bodyBudget = (MAX_BODY_TEXT - this.bodyText.length) * 2;
      keep = windowFor(bodyBudget);
    }
    let preview: Leaf['preview'] = null;
    if (part.type === 'text' && this.plainPreview === null) {
      if (part.subtype === 'plain') preview = 'plain';
      else if (part.subtype === 'html' && this.htmlPreview === null) preview = 'html';
      if (preview) keep = Math.max(keep, windowFor(PREVIEW_SOURCE_BYTES));
    }
    this.leaf = bodyBudget >= 0 || preview ? { part, keep, chunks: [], kept: 0, bodyBudget, preview } : null;
  }

  private appendBodyText(text: string): void {
    if (text) this.bodyText += (this.bodyText ? '\n' : '') + text;
  }

  /** The leaf part ended: its bodyText and preview contributions. */
  private endLeaf(part: MimePart): void {
    const leaf = this.leaf;
    if (!leaf || leaf.part !== part) return;
    this.leaf = null;
    this.collectLeaf = false;
    const all = Buffer.concat(leaf.chunks);
    const bytes = all.subarray(0, Math.max(0, Math.min(all.length, part.bodyEnd - part.bodyStart)));
    const local: MimePart = { ...part, bodyStart: 0, bodyEnd: bytes.length };
    if (leaf.bodyBudget >= 0) {
      let text = partText(bytes, local, leaf.bodyBudget);
      if (part.subtype === 'html') text = htmlToText(text);
      this.appendBodyText(text);
    }
    if (leaf.preview === 'plain') this.plainPreview = previewOfPart(bytes, local);
    else if (leaf.preview === 'html') this.htmlPreview = previewOfPart(bytes, local);
  }

  private closeTop(end: number, linesBeforeEnd: number): void {
    const frame = this.stack.pop() as Frame;
    const part = frame.part;
    if (frame.boundary) this.activeBoundaries--;
    if (frame.inHeader) {
      const headerEnd = Math.max(end, part.headerStart);
      this.endHeader(frame, headerEnd, headerEnd, linesBeforeEnd);
      const top = this.stack[this.stack.length - 1];
      if (top !== undefined && top.part === part.message) {
        const inner = this.stack.pop() as Frame;
        inner.part.bodyStart = inner.part.bodyEnd = headerEnd;
        const empty = Buffer.alloc(0);
        this.headers.set(inner.part, { bytes: empty, fields: [] });
        describePart(empty, inner.part, [], false);
        this.visit(inner.part, [], empty, true);
        this.endLeaf(inner.part);
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
    this.endLeaf(part);
  }

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
        if (inHeader) frame.part.headerStart = Math.min(frame.part.headerStart, end);
        this.closeTop(end, linesBeforeEnd);
      } else if (index === holder) {
        if (!frame.inHeader) frame.part.bodyStart = end;
        this.closeTop(end, linesBeforeEnd);
      } else {
        this.closeTop(pos, linesBeforePos);
      }
    }
  }

  /** The line [pos, lineEnd) is complete (its first headLen bytes are in head). */
  private processLine(lineEnd: number, hasNl: boolean): void {
    const stack = this.stack;
    const head = this.head;
    const headLen = this.headLen;
    const pos = this.pos;
    const top = stack[stack.length - 1] as Frame;
    const boundariesLive = this.activeBoundaries > 0 && this.partCount < MAX_PARTS;
    if (boundariesLive && headLen >= 2 && head[0] === DASH && head[1] === DASH) {
      let matched = -1;
      for (let i = stack.length - 1; i >= 0; i--) {
        const b = (stack[i] as Frame).boundary;
        if (
          b &&
          lineEnd - pos - 2 >= b.length &&
          headLen >= 2 + b.length &&
          head.compare(b, 0, b.length, 2, 2 + b.length) === 0
        ) {
          matched = i;
          break;
        }
      }
      if (matched >= 0) {
        let end = pos;
        let linesBeforeEnd = this.lineNo;
        if (end > this.regionStart && this.lineP1 === LF) {
          end--;
          linesBeforeEnd--;
          if (end > this.regionStart && this.lineP2 === CR) end--;
        }
        this.closeInnerParts(matched, end, linesBeforeEnd, pos, this.lineNo);
        const owner = stack[matched] as Frame;
        const b = owner.boundary as Buffer;
        const after = 2 + b.length;
        const closing = after + 1 < headLen && head[after] === DASH && head[after + 1] === DASH;
        if (closing) {
          owner.boundary = null;
          this.activeBoundaries--;
        } else {
          const child = newPart(lineEnd);
          owner.part.children.push(child);
          this.partCount++;
          stack.push({
            part: child,
            depth: owner.depth + 1,
            boundary: null,
            linesBeforeBody: 0,
            inHeader: true,
            parentIsDigest: owner.part.subtype === 'digest',
            isMessageInner: false,
          });
        }
        this.pos = lineEnd;
        this.regionStart = lineEnd;
        if (hasNl) this.lineNo++;
        return;
      }
    }
    if (top.inHeader) {
      const blank = headLen >= 1 && (head[0] === LF || (headLen >= 2 && head[0] === CR && head[1] === LF));
      if (blank) this.endHeader(top, lineEnd, lineEnd, this.lineNo + (hasNl ? 1 : 0));
    }
    this.pos = lineEnd;
    if (hasNl) this.lineNo++;
  }

  private meta(): IngestMeta {
    // One buffer with every part's header bytes; field offsets moved into it.
    const parts: Buffer[] = [];
    const headersOf = new Map<MimePart, HeaderField[]>();
    let base = 0;
    for (const [part, { bytes, fields }] of this.headers) {
      parts.push(bytes);
      headersOf.set(
        part,
        fields.map((f) => ({
          ...f,
          start: f.start + base,
          end: f.end + base,
          valueStart: f.valueStart + base,
          valueEnd: f.valueEnd + base,
        })),
      );
      base += bytes.length;
    }
    const raw = Buffer.concat(parts, base);
    const root = this.root;
    const fieldsOf = (part: MimePart): readonly HeaderField[] => headersOf.get(part) ?? [];
    const rootFields = fieldsOf(root);
    const dateField = findLast(rootFields, 'date');
    const bodyText = this.bodyText;
    return {
      envelope: buildEnvelope(raw, rootFields),
      bodyStructure: buildBodyStructure(raw, root, fieldsOf, true),
      body: buildBodyStructure(raw, root, fieldsOf, false),
      structure: serializeStructure(root),
      preview: this.plainPreview ?? this.htmlPreview ?? '',
      headerText: headerSearchText(raw, rootFields),
      bodyText: bodyText.length > MAX_BODY_TEXT ? bodyText.slice(0, MAX_BODY_TEXT) : bodyText,
      sentDate: dateField ? parseDate(fieldValue(raw, dateField)) : null,
    };
  }
}
