/**
 * Where a BODY[section] lives in the stored message (RFC 9051 §6.4.5): a byte range of the blob to
 * stream, or computed bytes (HEADER.FIELDS). Top-level sections are found from the header end;
 * part paths need the MIME structure saved at ingest.
 */
import type { SectionSpec } from '../../../protocol/imap/command.js';
import type { IngestMeta, MessageRecord, Store } from '../../../store/store.js';

export type SectionData = { kind: 'range'; start: number; end: number } | { kind: 'bytes'; data: Buffer };

/** How much of a message is read to find its header end. */
const HEADER_PROBE = 256 * 1024;

export async function locateSection(
  store: Store,
  record: MessageRecord,
  _meta: IngestMeta | undefined,
  spec: SectionSpec,
): Promise<SectionData> {
  if (spec.part.length === 0 && spec.kind === '') return { kind: 'range', start: 0, end: record.size };
  if (spec.part.length > 0) return { kind: 'bytes', data: Buffer.alloc(0) };
  const head = await readHead(store, record);
  const headerEnd = findHeaderEnd(head);
  switch (spec.kind) {
    case 'HEADER':
    case 'MIME':
      return { kind: 'range', start: 0, end: headerEnd };
    case 'TEXT':
      return { kind: 'range', start: headerEnd, end: record.size };
    default: {
      const keep = spec.kind === 'HEADER.FIELDS';
      return { kind: 'bytes', data: filterFields(head.subarray(0, headerEnd), spec.fields ?? [], keep) };
    }
  }
}

async function readHead(store: Store, record: MessageRecord): Promise<Buffer> {
  if (record.size <= HEADER_PROBE) {
    return store.blobs.readSync ? store.blobs.readSync(record.blobId) : store.blobs.read(record.blobId);
  }
  const end = HEADER_PROBE;
  const chunks: Buffer[] = [];
  for await (const chunk of store.blobs.stream(record.blobId, 0, end)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Offset just past the blank line ending the header (the whole message if there is none). */
export function findHeaderEnd(data: Buffer): number {
  if (data.subarray(0, 2).toString('latin1') === '\r\n') return 2;
  const i = data.indexOf('\r\n\r\n');
  return i < 0 ? data.length : i + 4;
}

/** HEADER.FIELDS / HEADER.FIELDS.NOT: the matching fields (folded lines kept) plus the blank line. */
export function filterFields(header: Buffer, fields: readonly string[], keep: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const text = header.toString('latin1');
  const lines = text.split('\r\n');
  let out = '';
  let including = false;
  for (const line of lines) {
    if (line === '') continue;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (including) out += `${line}\r\n`;
      continue;
    }
    const colon = line.indexOf(':');
    const name = (colon < 0 ? line : line.slice(0, colon)).trim().toLowerCase();
    including = wanted.has(name) === keep;
    if (including) out += `${line}\r\n`;
  }
  return Buffer.from(`${out}\r\n`, 'latin1');
}
