/**
 * Compact JSON for the part tree, stored at ingest (IngestMeta.structure) so FETCH can address sections
 * without reparsing. One part = [headerStart, bodyStart, bodyEnd, bodyLines, flags, "type/subtype",
 * encoding, charset, children-or-message?].
 */
import { MAX_NESTING_DEPTH, type MimePart, PART_MESSAGE, PART_MULTIPART } from './types.js';

type PartJson = [number, number, number, number, number, string, string, string, (PartJson[] | PartJson)?];

function toJson(part: MimePart): PartJson {
  const row: PartJson = [
    part.headerStart,
    part.bodyStart,
    part.bodyEnd,
    part.bodyLines,
    part.flags,
    `${part.type}/${part.subtype}`,
    part.encoding,
    part.charset,
  ];
  if (part.flags & PART_MULTIPART) row.push(part.children.map(toJson));
  else if (part.flags & PART_MESSAGE && part.message) row.push(toJson(part.message));
  return row;
}

export function serializeStructure(root: MimePart): string {
  return JSON.stringify(toJson(root));
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function fromJson(row: unknown, depth: number): MimePart {
  const r = Array.isArray(row) ? row : [];
  const fullType = typeof r[5] === 'string' ? r[5] : 'text/plain';
  const slash = fullType.indexOf('/');
  const type = slash < 0 ? fullType : fullType.slice(0, slash);
  const subtype = slash < 0 ? '' : fullType.slice(slash + 1);
  const part: MimePart = {
    headerStart: num(r[0]),
    bodyStart: num(r[1]),
    bodyEnd: num(r[2]),
    bodyLines: num(r[3]),
    flags: num(r[4]),
    type,
    subtype,
    encoding: typeof r[6] === 'string' ? r[6] : '7bit',
    charset: str(r[7]),
    children: [],
    message: null,
  };
  const nested = r[8];
  if (depth >= MAX_NESTING_DEPTH * 2 || !Array.isArray(nested)) return part;
  if (part.flags & PART_MULTIPART) part.children = nested.map((child) => fromJson(child, depth + 1));
  else if (part.flags & PART_MESSAGE) part.message = fromJson(nested, depth + 1);
  return part;
}

/** Inverse of serializeStructure; a damaged string yields an empty text/plain part, never an exception. */
export function deserializeStructure(json: string): MimePart {
  let row: unknown = null;
  try {
    row = JSON.parse(json);
  } catch {
    row = null;
  }
  return fromJson(row, 0);
}
