/**
 * Body items of one FETCH answer (BODY[...], BINARY[...], RFC822*): each becomes a literal whose bytes are
 * either read now (small) or streamed from the blob when written (large), so a 50 MB message never sits
 * whole in memory (BINARY of a large part is decoded in memory).
 */
import type { Readable } from 'node:stream';
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import type { FetchAttribute, Partial, SectionSpec } from '../../../protocol/imap/command.js';
import { fetchResponseName, literalHeader } from '../../../protocol/imap/fetch-response.js';
import type { MessageRecord } from '../../../store/store.js';
import { READ_WHOLE_LIMIT } from '../../net/body-slabs.js';
import type { ImapSession } from '../session.js';
import { binarySection, locateSection, MessageParts, readRange, type SectionData } from './section.js';

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
  const parts = new MessageParts(meta);
  const store = session.store;
  for (const a of items) {
    switch (a.item) {
      case 'BODY[]': {
        const data = await locateSection(store, record, parts, a.section);
        pieces.set(a, await literal(session, record, fetchResponseName(a), data, a.partial));
        break;
      }
      case 'RFC822':
      case 'RFC822.HEADER':
      case 'RFC822.TEXT': {
        const spec = a.item === 'RFC822' ? WHOLE : a.item === 'RFC822.HEADER' ? HEADER : TEXT;
        const data = await locateSection(store, record, parts, spec);
        pieces.set(a, await literal(session, record, a.item, data, undefined));
        break;
      }
      case 'BINARY[]': {
        const binary = await binarySection(store, record, parts, a.part);
        const data = a.partial ? slice(binary.data, a.partial) : binary.data;
        // RFC 3516 §4.3: BINARY data containing NUL must be sent as literal8 (Dovecot's rule is wider).
        pieces.set(a, {
          prefix: `${fetchResponseName(a)} ${literalHeader(data.length, binary.literal8)}`,
          kind: 'bytes',
          data,
        });
        break;
      }
      case 'BINARY.SIZE': {
        const size = (await binarySection(store, record, parts, a.part)).data.length;
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
): Promise<BodyPiece> {
  let data = located;
  if (partial)
    data =
      data.kind === 'bytes' ? { kind: 'bytes', data: slice(data.data, partial) } : sliceRange(data, partial);
  if (data.kind === 'bytes')
    return { prefix: `${name} {${data.data.length}}\r\n`, kind: 'bytes', data: data.data };
  const { start, end } = data;
  const length = end - start;
  if (length <= READ_WHOLE_LIMIT) {
    const bytes = await readRange(session.store, record, start, end);
    return { prefix: `${name} {${bytes.length}}\r\n`, kind: 'bytes', data: bytes };
  }
  const blobs = session.store.blobs;
  return {
    prefix: `${name} {${length}}\r\n`,
    kind: 'stream',
    length,
    stream: () => blobs.stream(record.blobId, start, end),
  };
}

/** <offset.length> (RFC 9051 §6.4.5): bytes past the end are simply absent. */
function slice(data: Buffer, partial: Partial): Buffer {
  return data.subarray(Math.min(partial.offset, data.length), partial.offset + partial.length);
}

function sliceRange(data: Extract<SectionData, { kind: 'range' }>, partial: Partial): SectionData {
  const start = Math.min(data.start + partial.offset, data.end);
  return { kind: 'range', start, end: Math.min(start + partial.length, data.end), part: data.part };
}
