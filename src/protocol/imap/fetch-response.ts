/**
 * FETCH response framing (RFC 9051 §7.5.2) for streaming: the session builds
 * `* 5 FETCH (UID 7 FLAGS (\Seen) BODY[] {12345}\r\n` as a string, writes it, streams the body bytes
 * from the blob, then continues with the remaining items and `)\r\n`. Flag-sized items are encoded by
 * encoder.ts (encodeFetchDataItem).
 */
import type { FetchAttribute, Partial, SectionSpec } from './command.js';

/** `1.2.HEADER.FIELDS (FROM TO)` — the section text inside the brackets, as echoed in responses. */
export function sectionToString(section: SectionSpec): string {
  const part = section.part.join('.');
  if (section.kind === '') return part;
  const text =
    section.kind === 'HEADER.FIELDS' || section.kind === 'HEADER.FIELDS.NOT'
      ? `${section.kind} (${(section.fields ?? []).map(quoteFieldName).join(' ')})`
      : section.kind;
  return part.length > 0 ? `${part}.${text}` : text;
}

/** Field names are atoms in practice; quote anything unusual (header-fld-name = astring). */
function quoteFieldName(name: string): string {
  return /^[!#-'+-9;-Z^-z|~]+$/.test(name) ? name : `"${name.replace(/["\\]/g, '\\$&')}"`;
}

/** `<offset>`: responses echo only the origin octet (RFC 9051 §7.5.2). */
function partialOrigin(partial: Partial | undefined): string {
  return partial ? `<${partial.offset}>` : '';
}

/**
 * The item name as it appears in the response: `BODY[1.TEXT]<0>` for BODY.PEEK[1.TEXT]<0.100>,
 * `BINARY[1]`, `BINARY.SIZE[1]`, `RFC822.HEADER`, `FLAGS`…
 */
export function fetchResponseName(attr: FetchAttribute): string {
  switch (attr.item) {
    case 'BODY[]':
      return `BODY[${sectionToString(attr.section)}]${partialOrigin(attr.partial)}`;
    case 'BINARY[]':
      return `BINARY[${attr.part.join('.')}]${partialOrigin(attr.partial)}`;
    case 'BINARY.SIZE':
      return `BINARY.SIZE[${attr.part.join('.')}]`;
    default:
      return attr.item;
  }
}

/** `{n}\r\n` or, for BINARY data containing NUL, `~{n}\r\n` (RFC 3516 §4.2). */
export function literalHeader(size: number, binary = false): string {
  return binary ? `~{${size}}\r\n` : `{${size}}\r\n`;
}

/** `* 5 FETCH (`: the start of one FETCH response; items follow, space-separated, then `)\r\n`. */
export function fetchResponseStart(seq: number): string {
  return `* ${seq} FETCH (`;
}
