/**
 * What SORT and THREAD compare of a message's content (RFC 5256 §2-§4, RFC 5957), from the decoded
 * header search text and the parsed Date kept at ingest. A function of the bytes alone, so a store can
 * keep it per blob as narrow columns written at delivery (Store.getSortRows). Strings are case-folded
 * (toUpperCase: i;ascii-casemap for ASCII, close to Dovecot's titlecase beyond it). Pure.
 */
import { parseAddressList } from './address.js';
import { baseSubject } from './base-subject.js';
import type { IngestMeta } from './ingest-meta.js';
import { headerField, threadHeaders } from './thread-headers.js';

export interface SortFields {
  /** The Date header in ms since the epoch (IngestMeta.sentDate), or null: SORT falls back to INTERNALDATE. */
  sentDate: number | null;
  /** RFC 5256 §2.1 base subject, case-folded. */
  subject: string;
  /** The subject had a reply/forward marker (THREAD=REFERENCES step 6). */
  replyOrForward: boolean;
  /** addr-mailbox of the first address, case-folded ('' without one). */
  from: string;
  to: string;
  cc: string;
  /** RFC 5957: display name of the first address, else its addr-spec, case-folded. */
  displayFrom: string;
  displayTo: string;
  messageId: string | null;
  /** Parent chain (References, else the first In-Reply-To id). */
  references: string[];
}

export function fold(s: string): string {
  return s.toUpperCase();
}

function firstAddress(headerText: string, field: string): { mailbox: string; display: string } {
  const value = headerField(headerText, field);
  if (value === null) return { mailbox: '', display: '' };
  // The first ENVELOPE address: a group's start marker counts, its name standing as the mailbox (as
  // Dovecot sorts `Cc: team: a@b;` under "team").
  for (const a of parseAddressList(value)) {
    if (a.host === null && a.mailbox === null) continue; // a group's end
    const mailbox = a.mailbox ?? '';
    const spec = a.host ? `${mailbox}@${a.host}` : mailbox;
    const name = a.name?.trim();
    return { mailbox: fold(mailbox), display: fold(name ? name : spec) };
  }
  return { mailbox: '', display: '' };
}

export function sortFieldsOf(meta: Pick<IngestMeta, 'headerText' | 'sentDate'>): SortFields {
  const header = meta.headerText;
  const base = baseSubject(headerField(header, 'subject') ?? '');
  const from = firstAddress(header, 'from');
  const to = firstAddress(header, 'to');
  const thread = threadHeaders(header);
  return {
    sentDate: meta.sentDate,
    subject: fold(base.subject),
    replyOrForward: base.replyOrForward,
    from: from.mailbox,
    to: to.mailbox,
    cc: firstAddress(header, 'cc').mailbox,
    displayFrom: from.display,
    displayTo: to.display,
    messageId: thread.messageId,
    references: thread.references,
  };
}

/**
 * The reference list as one column: ids joined by a space (an id never holds white space: messageIds
 * drops it), '' for none.
 */
export function joinReferences(references: readonly string[]): string {
  return references.join(' ');
}

export function splitReferences(column: string): string[] {
  return column === '' ? [] : column.split(' ');
}
