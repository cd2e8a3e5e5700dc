/**
 * The message_meta columns both backends write for a message's IngestMeta, in one order, so the SQLite
 * insert and the PostgreSQL append statement cannot drift apart when a field is added.
 */
import type { IngestMeta } from '../mime/ingest-meta.js';

/** Column names after blob_id, in the order metaColumnValues gives the values. */
export const META_COLUMNS = 'envelope, body_structure, body, preview, sent_date, sent_zone, structure';

export function metaColumnValues(
  meta: IngestMeta,
): [string, string, string, string, number | null, number | null, string] {
  return [
    meta.envelope,
    meta.bodyStructure,
    meta.body,
    meta.preview,
    meta.sentDate,
    meta.sentZone,
    meta.structure,
  ];
}
