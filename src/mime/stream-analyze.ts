/**
 * analyzeMessage for a message that arrives in chunks, without holding it whole: push(chunk) as the
 * bytes come, finish() at the end → the same IngestMeta analyzeMessage(raw) gives for the concatenation.
 *
 * It finds the line ends and feeds the lines to parse.ts's PartTreeBuilder, the one MIME part-tree state
 * machine (parseMessage drives the same builder over a whole buffer), and keeps what it asks for. What
 * is kept: the header bytes of every part (they feed ENVELOPE, BODYSTRUCTURE and header search text; at
 * most MAX_RETAINED_HEADER_BYTES in all), the first bytes of the one text part being
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

import { buildBodyStructure } from './bodystructure.js';
import { parseDateWithZone } from './date.js';
import { buildEnvelope } from './envelope.js';
import { fieldValue, findLast, type HeaderField, parseHeaderFields } from './header.js';
import { type IngestMeta, storableText } from './ingest-meta.js';
import { LINE_HEAD_NEEDED, type PartHeader, PartTreeBuilder } from './parse.js';
import { serializeStructure } from './structure-json.js';
import {
  headerSearchText,
  htmlToText,
  MAX_BODY_TEXT,
  PREVIEW_SOURCE_BYTES,
  partText,
  previewOfPart,
} from './text.js';
import { type MimePart, PART_MESSAGE, PART_MULTIPART } from './types.js';

/** Header bytes kept in all (every part's header); beyond it the streaming analysis gives up. */
export const MAX_RETAINED_HEADER_BYTES = 4 * 1024 * 1024;
/** First bytes of each line kept for the part-tree builder (boundary matching). */
const HEAD_MAX = Math.max(512, LINE_HEAD_NEEDED);
const LF = 0x0a;
const CR = 0x0d;

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
  private readonly tree = new PartTreeBuilder({
    readHeader: (part, headerEnd) => this.readHeader(part, headerEnd),
    lineBreakBefore: () => this.lineBreakBefore(),
    headerRead: (part, header, isMessageInner) => this.headerRead(part, header, isMessageInner),
    partClosed: (part) => this.partClosed(part),
  });
  private readonly headers = new Map<MimePart, PartHeader>();
  private headerBytesKept = 0;
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
  /** Header bytes of the current part while it is in its header, from hdrStart. */
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
        if (this.total === this.tree.pos) this.beginLine();
        const nl = chunk.indexOf(LF, start);
        const segEnd = nl < 0 ? chunk.length : nl + 1;
        this.consume(chunk, start, segEnd);
        if (this.failed) return;
        start = segEnd;
        if (nl >= 0) this.tree.line(this.head, 0, this.headLen, this.total, true);
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
      if (this.tree.pos < this.total) this.tree.line(this.head, 0, this.headLen, this.total, false);
      this.tree.end(this.total);
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
    const tree = this.tree;
    const inHeader = tree.inHeader;
    if (inHeader && this.hdrStart < 0) this.hdrStart = tree.pos;
    const leaf = this.leaf;
    this.collectLeaf = !!leaf && tree.current === leaf.part && !inHeader && leaf.kept < leaf.keep;
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

  /** PartTreeSource: the collected header bytes [part.headerStart, headerEnd) and their fields. */
  private readHeader(part: MimePart, headerEnd: number): PartHeader {
    const start = part.headerStart;
    const chunks = this.hdrChunks;
    const hdrStart = this.hdrStart;
    this.hdrChunks = [];
    this.hdrStart = -1;
    let collected = 0;
    for (const c of chunks) collected += c.length;
    this.headerBytesKept -= collected;
    if (headerEnd <= start || hdrStart < 0) return { bytes: Buffer.alloc(0), fields: [] };
    const all = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, collected);
    const bytes = all.subarray(Math.max(0, start - hdrStart), Math.max(0, headerEnd - hdrStart));
    this.headerBytesKept += bytes.length;
    return { bytes, fields: parseHeaderFields(bytes, 0, bytes.length) };
  }

  /** PartTreeSource: the line break before the current line, from the two bytes seen before it. */
  private lineBreakBefore(): number {
    if (this.lineP1 !== LF) return 0;
    return this.lineP2 === CR ? 2 : 1;
  }

  /** PartTreeSource: a part's header is known; the depth-first visit text.ts makes of it, in the same order. */
  private headerRead(part: MimePart, header: PartHeader, isMessageInner: boolean): void {
    this.headers.set(part, header);
    if (isMessageInner && this.bodyText.length < MAX_BODY_TEXT) {
      this.appendBodyText(headerSearchText(header.bytes, header.fields));
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

  /** PartTreeSource: a part ended; if it is the text part being read, its bodyText and preview. */
  private partClosed(part: MimePart): void {
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
    const root = this.tree.root;
    const fieldsOf = (part: MimePart): readonly HeaderField[] => headersOf.get(part) ?? [];
    const rootFields = fieldsOf(root);
    const dateField = findLast(rootFields, 'date');
    const sent = dateField ? parseDateWithZone(fieldValue(raw, dateField)) : null;
    const bodyText = this.bodyText;
    return {
      envelope: buildEnvelope(raw, rootFields),
      bodyStructure: buildBodyStructure(raw, root, fieldsOf, true),
      body: buildBodyStructure(raw, root, fieldsOf, false),
      structure: serializeStructure(root),
      preview: storableText(this.plainPreview ?? this.htmlPreview ?? ''),
      headerText: storableText(headerSearchText(raw, rootFields)),
      bodyText: storableText(bodyText.length > MAX_BODY_TEXT ? bodyText.slice(0, MAX_BODY_TEXT) : bodyText),
      sentDate: sent?.ms ?? null,
      sentZone: sent?.offsetMinutes ?? null,
    };
  }
}
