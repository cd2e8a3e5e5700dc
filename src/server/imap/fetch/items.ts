/** The non-literal FETCH items of one message (RFC 9051 §7.5.2), from its record and ingest metadata. */
import { formatImapDateTime } from '../../../lib/imap-date.js';
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import type { FetchAttribute } from '../../../protocol/imap/command.js';
import { encodeFetchDataItem } from '../../../protocol/imap/encoder.js';
import type { MessageRecord } from '../../../store/store.js';
import { emailId, threadId } from '../object-id.js';
import type { SelectedMailbox } from '../selected.js';
import { nstring } from '../wire.js';

/** `ITEM value` for a simple item, or null for items answered elsewhere (literals). */
export function simpleItem(
  a: FetchAttribute,
  record: MessageRecord & { meta?: IngestMeta },
  selected: SelectedMailbox,
  utf8: boolean,
): string | null {
  const meta = record.meta;
  switch (a.item) {
    case 'UID':
      return encodeFetchDataItem({ item: 'UID', uid: record.uid });
    case 'FLAGS':
      return encodeFetchDataItem({ item: 'FLAGS', flags: selected.flagsOf(record.uid, record.flags) });
    case 'INTERNALDATE':
      return `INTERNALDATE "${formatImapDateTime(record.internalDate)}"`;
    case 'SAVEDATE':
      return `SAVEDATE "${formatImapDateTime(record.saveDate)}"`;
    case 'RFC822.SIZE':
      return `RFC822.SIZE ${record.size}`;
    case 'MODSEQ':
      return encodeFetchDataItem({ item: 'MODSEQ', modseq: record.modseq });
    // Encoded at ingest: a column read, no parsing (DESIGN.md "Where the speed comes from").
    case 'ENVELOPE':
      return `ENVELOPE ${meta?.envelope ?? 'NIL'}`;
    case 'BODYSTRUCTURE':
      return `BODYSTRUCTURE ${meta?.bodyStructure ?? 'NIL'}`;
    case 'BODY':
      return `BODY ${meta?.body ?? 'NIL'}`;
    case 'PREVIEW':
      return `PREVIEW ${nstring(meta?.preview ?? null, utf8)}`;
    case 'EMAILID':
      return `EMAILID (${emailId(record.blobId)})`;
    case 'THREADID':
      return `THREADID (${threadId(record.blobId, meta?.headerText ?? '')})`;
    default:
      return null;
  }
}
