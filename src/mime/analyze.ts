/** One pass at ingest: everything the store keeps so FETCH and SEARCH never reparse (IngestMeta). */

import { buildBodyStructure } from './bodystructure.js';
import { parseDateWithZone } from './date.js';
import { buildEnvelope } from './envelope.js';
import { fieldValue, findLast, type HeaderField } from './header.js';
import { type IngestMeta, storableText } from './ingest-meta.js';
import { parseMessageWithHeaders } from './parse.js';
import { serializeStructure } from './structure-json.js';
import { bodySearchText, buildPreview, headerSearchText } from './text.js';
import type { MimePart } from './types.js';

export function analyzeMessage(raw: Buffer): IngestMeta {
  try {
    const { root, headers } = parseMessageWithHeaders(raw);
    const headersOf = (part: MimePart): readonly HeaderField[] => headers.get(part) ?? [];
    const rootFields = headersOf(root);
    const dateField = findLast(rootFields, 'date');
    const sent = dateField ? parseDateWithZone(fieldValue(raw, dateField)) : null;
    return {
      envelope: buildEnvelope(raw, rootFields),
      bodyStructure: buildBodyStructure(raw, root, headersOf, true),
      body: buildBodyStructure(raw, root, headersOf, false),
      structure: serializeStructure(root),
      preview: storableText(buildPreview(raw, root)),
      headerText: storableText(headerSearchText(raw, rootFields)),
      bodyText: storableText(bodySearchText(raw, root, headersOf)),
      sentDate: sent?.ms ?? null,
      sentZone: sent?.offsetMinutes ?? null,
    };
  } catch {
    return opaqueMeta(raw);
  }
}

/** Last resort (a bug in this module must not reject mail): the message as one opaque text part. */
function opaqueMeta(raw: Buffer): IngestMeta {
  let lines = 0;
  for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) lines++;
  const body = `("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" ${raw.length} ${lines}`;
  return {
    envelope: '(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)',
    bodyStructure: `${body} NIL NIL NIL NIL)`,
    body: `${body})`,
    structure: JSON.stringify([0, 0, raw.length, lines, 4, 'text/plain', '7bit', '']),
    preview: '',
    headerText: '',
    bodyText: '',
    sentDate: null,
    sentZone: null,
  };
}
