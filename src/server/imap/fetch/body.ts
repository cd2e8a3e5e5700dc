/**
 * Body items of one FETCH answer (BODY[...], BINARY[...], RFC822*): each becomes a literal whose bytes are
 * either read now (small) or streamed from the blob when written (large), so a 50 MB message never sits
 * whole in memory.
 */
import type { Readable } from 'node:stream';
import type { FetchAttribute, Partial, SectionSpec } from '../../../protocol/imap/command.js';
import { fetchResponseName } from '../../../protocol/imap/fetch-response.js';
import type { IngestMeta, MessageRecord } from '../../../store/store.js';
import type { ImapSession } from '../session.js';
import { locateSection, type SectionData } from './section.js';

/** Bodies up to this size are read in one call; larger ones stream. */
const READ_WHOLE_LIMIT = 256 * 1024;

export type BodyPiece =
  | { prefix: string; kind: 'bytes'; data: Buffer }
  | { prefix: string; kind: 'stream'; length: number; stream: () => Readable };

const WHOLE: SectionSpec = { part: [], kind: '' };
const HEADER: SectionSpec = { part: [], kind: 'HEADER' };
const TEXT: SectionSpec = { part: [], kind: 'TEXT' };

export async function bodyPieces(
  session: ImapSession,
  record: MessageRecord,
  meta: IngestMeta | undefined,
  items: readonly FetchAttribute[],
): Promise<Map<FetchAttribute, BodyPiece>> {
  const pieces = new Map<FetchAttribute, BodyPiece>();
  for (const a of items) {
    switch (a.item) {
      case 'BODY[]': {
        const name = fetchResponseName(a);
        const data = await locateSection(session.store, record, meta, a.section);
        pieces.set(a, await literal(session, record, name, data, a.partial, false));
        break;
      }
      case 'RFC822':
      case 'RFC822.HEADER':
      case 'RFC822.TEXT': {
        const spec = a.item === 'RFC822' ? WHOLE : a.item === 'RFC822.HEADER' ? HEADER : TEXT;
        const data = await locateSection(session.store, record, meta, spec);
        pieces.set(a, await literal(session, record, a.item, data, undefined, false));
        break;
      }
      case 'BINARY[]': {
        const name = fetchResponseName(a);
        const data = await locateSection(session.store, record, meta, { part: a.part, kind: '' });
        pieces.set(a, await literal(session, record, name, data, a.partial, true));
        break;
      }
      case 'BINARY.SIZE': {
        const data = await locateSection(session.store, record, meta, { part: a.part, kind: '' });
        const size = data.kind === 'bytes' ? data.data.length : data.end - data.start;
        pieces.set(a, { prefix: `${fetchResponseName(a)} ${size}`, kind: 'bytes', data: Buffer.alloc(0) });
        break;
      }
    }
  }
  return pieces;
}

async function literal(
  session: ImapSession,
  record: MessageRecord,
  name: string,
  located: SectionData,
  partial: Partial | undefined,
  binary: boolean,
): Promise<BodyPiece> {
  let data = located;
  if (partial) data = slice(data, partial);
  if (data.kind === 'bytes')
    return { prefix: prefixOf(name, data.data, binary), kind: 'bytes', data: data.data };
  const { start, end } = data;
  const length = end - start;
  const blobs = session.store.blobs;
  if (length <= READ_WHOLE_LIMIT) {
    const whole = record.size <= READ_WHOLE_LIMIT;
    let bytes: Buffer;
    if (whole && blobs.readSync) bytes = blobs.readSync(record.blobId).subarray(start, end);
    else if (whole) bytes = (await blobs.read(record.blobId)).subarray(start, end);
    else bytes = await collect(blobs.stream(record.blobId, start, end));
    return { prefix: prefixOf(name, bytes, binary), kind: 'bytes', data: bytes };
  }
  return {
    prefix: `${name} {${length}}\r\n`,
    kind: 'stream',
    length,
    stream: () => blobs.stream(record.blobId, start, end),
  };
}

function prefixOf(name: string, data: Buffer, binary: boolean): string {
  // RFC 3516 §4.3: BINARY data containing NUL must be sent as literal8.
  const marker = binary && data.includes(0) ? '~' : '';
  return `${name} ${marker}{${data.length}}\r\n`;
}

/** <offset.length> of a section (RFC 9051 §6.4.5): bytes past the end are simply absent. */
function slice(data: SectionData, partial: Partial): SectionData {
  if (data.kind === 'bytes') {
    return { kind: 'bytes', data: data.data.subarray(partial.offset, partial.offset + partial.length) };
  }
  const start = Math.min(data.start + partial.offset, data.end);
  const end = Math.min(start + partial.length, data.end);
  return { kind: 'range', start, end };
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
