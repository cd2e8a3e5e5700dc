/**
 * What SORT and THREAD compare, per message (RFC 5256 §3, RFC 5957), from the store record and the
 * search header text kept at ingest (decoded, so no message is parsed again). Strings are compared
 * case-folded (toUpperCase: i;ascii-casemap for ASCII, close to Dovecot's titlecase beyond it).
 */
import { parseAddressList } from '../../../mime/address.js';
import { baseSubject } from '../../../mime/base-subject.js';
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import { headerField, threadHeaders } from '../../../mime/thread-headers.js';
import type { SortCriterion } from '../../../protocol/imap/command.js';
import type { MessageRecord } from '../../../store/store.js';

/** One message's keys; `seq` is its place in the mailbox (the final tie-breaker, RFC 5256 §3). */
export interface SortKeys {
  uid: number;
  seq: number;
  /** INTERNALDATE, seconds. */
  arrival: number;
  /** RFC 5256 §2.2 sent date: the Date header in UTC, else INTERNALDATE; seconds. */
  date: number;
  size: number;
  /** Base subject, case-folded. */
  subject: string;
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

export function sortKeysOf(record: MessageRecord, meta: IngestMeta, seq: number): SortKeys {
  const header = meta.headerText;
  const arrival = Math.floor(record.internalDate.getTime() / 1000);
  const base = baseSubject(headerField(header, 'subject') ?? '');
  const from = firstAddress(header, 'from');
  const to = firstAddress(header, 'to');
  const thread = threadHeaders(header);
  return {
    uid: record.uid,
    seq,
    arrival,
    date: meta.sentDate === null ? arrival : Math.floor(meta.sentDate / 1000),
    size: record.size,
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

const FIELD = {
  ARRIVAL: 'arrival',
  CC: 'cc',
  DATE: 'date',
  FROM: 'from',
  SIZE: 'size',
  SUBJECT: 'subject',
  TO: 'to',
  DISPLAYFROM: 'displayFrom',
  DISPLAYTO: 'displayTo',
} as const satisfies Record<SortCriterion['key'], keyof SortKeys>;

/** The comparator of RFC 5256 §3: the criteria in order (REVERSE flips one), then mailbox order. */
export function comparatorOf(criteria: readonly SortCriterion[]): (a: SortKeys, b: SortKeys) => number {
  const fields = criteria.map((c) => ({ field: FIELD[c.key], sign: c.reverse ? -1 : 1 }));
  return (a, b) => {
    for (const { field, sign } of fields) {
      const x = a[field] as string | number;
      const y = b[field] as string | number;
      if (x < y) return -sign;
      if (x > y) return sign;
    }
    return a.seq - b.seq;
  };
}
