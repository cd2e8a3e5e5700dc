/**
 * Where a BODY[section] / BINARY[section] lives in a stored message (RFC 9051 §6.4.5, RFC 3516): the
 * MIME engine resolves the section against the part tree saved at ingest, giving a byte range of the
 * blob to stream, or computed bytes (HEADER.FIELDS, BINARY decoding).
 */
import type { Readable } from 'node:stream';
import {
  decodeSectionForBinary,
  deserializeStructure,
  filterHeaderFields,
  type MimePart,
  PART_MESSAGE,
  PART_MULTIPART,
  resolveSection,
} from '../../../mime/index.js';
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import type { SectionSpec } from '../../../protocol/imap/command.js';
import type { MessageRecord, Store } from '../../../store/store.js';
import { READ_WHOLE_LIMIT } from '../../net/body-slabs.js';
import { bodyCacheOf } from './body-cache.js';

export type SectionData =
  | { kind: 'range'; start: number; end: number; part: MimePart | null }
  | { kind: 'bytes'; data: Buffer };

/** BINARY of a part whose Content-Transfer-Encoding we cannot undo: NO [UNKNOWN-CTE] (RFC 3516 §4.3). */
export class UnknownCteError extends Error {}

/** The message's part tree, parsed once per FETCH answer. */
export class MessageParts {
  private tree: MimePart | null = null;
  constructor(private readonly meta: IngestMeta | undefined) {}

  root(): MimePart {
    this.tree ??= deserializeStructure(this.meta?.structure ?? '');
    return this.tree;
  }
}

export async function locateSection(
  store: Store,
  record: MessageRecord,
  parts: MessageParts,
  spec: SectionSpec,
): Promise<SectionData> {
  if (spec.part.length === 0 && spec.kind === '')
    return { kind: 'range', start: 0, end: record.size, part: null };
  // The MIME engine's SectionSpec has mutable arrays; the parser's is readonly.
  const fields = spec.fields ? [...spec.fields] : undefined;
  const location = resolveSection(parts.root(), {
    part: [...spec.part],
    kind: spec.kind,
    ...(fields ? { fields } : {}),
  });
  switch (location.kind) {
    case 'empty':
      return { kind: 'bytes', data: Buffer.alloc(0) };
    case 'range':
      return { kind: 'range', start: location.start, end: location.end, part: location.part };
    case 'headerFields': {
      const header = await readRange(store, record, location.start, location.end);
      return { kind: 'bytes', data: filterHeaderFields(header, location.fields, location.exclude) };
    }
  }
}

/**
 * BINARY[part]: the section with its transfer encoding removed. `literal8` says whether to send it as
 * `~{n}`: like Dovecot, when a transfer encoding was undone, or for the whole of a single-part message.
 */
export async function binarySection(
  store: Store,
  record: MessageRecord,
  parts: MessageParts,
  part: readonly number[],
): Promise<{ data: Buffer; literal8: boolean }> {
  const location = await locateSection(store, record, parts, { part, kind: '' });
  if (location.kind === 'bytes') return { data: location.data, literal8: false };
  const raw = await readRange(store, record, location.start, location.end);
  const root = parts.root();
  const owner = part.length === 0 ? root : location.part;
  const decoded = decodeSectionForBinary(raw, owner, location.start);
  if (!decoded) throw new UnknownCteError('Unknown Content-Transfer-Encoding');
  const singlePartMessage = part.length === 0 && (root.flags & (PART_MULTIPART | PART_MESSAGE)) === 0;
  return { data: decoded, literal8: decoded !== raw || singlePartMessage || decoded.includes(0) };
}

/**
 * The whole of a small message (size ≤ READ_WHOLE_LIMIT) without leaving the event loop: from the body
 * cache, or one synchronous read when the blob store has `readSync`; undefined when it has not (the
 * caller then takes the async path).
 */
export function readWholeSync(store: Store, record: MessageRecord): Buffer | undefined {
  const cache = bodyCacheOf(store);
  let whole = cache.get(record.blobId);
  if (whole) return whole;
  const blobs = store.blobs;
  if (!blobs.readSync) return undefined;
  whole = blobs.readSync(record.blobId);
  cache.set(record.blobId, whole);
  return whole;
}

/** Bytes [start, end) of a message: page-cached small blobs in one read, others streamed. */
export async function readRange(
  store: Store,
  record: MessageRecord,
  start: number,
  end: number,
): Promise<Buffer> {
  const blobs = store.blobs;
  if (record.size <= READ_WHOLE_LIMIT) {
    const cache = bodyCacheOf(store);
    let whole = cache.get(record.blobId);
    if (!whole) {
      whole = blobs.readSync ? blobs.readSync(record.blobId) : await blobs.read(record.blobId);
      cache.set(record.blobId, whole);
    }
    return whole.subarray(start, end);
  }
  return collect(blobs.stream(record.blobId, start, end));
}

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
