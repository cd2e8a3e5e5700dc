/**
 * ENVELOPE (RFC 9051 §7.5.2): date, subject, from, sender, reply-to, to, cc, bcc, in-reply-to,
 * message-id. Values are sent raw (no RFC 2047 decoding). Like Dovecot: the last occurrence of a text
 * field and all occurrences of an address field count; sender and reply-to default to from; subject
 * and display names are "for humans" (whitespace collapsed); the other strings only lose their CR/LF.
 */
import { type Address, parseAddressList } from './address.js';
import { fieldValue, type HeaderField } from './header.js';
import { imapNString, imapNStringForHumans, imapNStringNoLf } from './imap-encode.js';

const ENVELOPE_FIELDS = [
  'date',
  'subject',
  'from',
  'sender',
  'reply-to',
  'to',
  'cc',
  'bcc',
  'in-reply-to',
  'message-id',
] as const;
type EnvelopeField = (typeof ENVELOPE_FIELDS)[number];

export function encodeAddresses(addresses: readonly Address[]): string {
  if (addresses.length === 0) return 'NIL';
  let out = '(';
  for (const a of addresses) {
    out += `(${imapNStringForHumans(a.name)} ${imapNString(a.route)} ${imapNString(a.mailbox)} ${imapNString(a.host)})`;
  }
  return `${out})`;
}

export function buildEnvelope(raw: Buffer, fields: readonly HeaderField[]): string {
  const last = new Map<EnvelopeField, HeaderField>();
  const all = new Map<EnvelopeField, HeaderField[]>();
  for (const field of fields) {
    if (!(ENVELOPE_FIELDS as readonly string[]).includes(field.lower)) continue;
    const name = field.lower as EnvelopeField;
    last.set(name, field);
    const list = all.get(name);
    if (list) list.push(field);
    else all.set(name, [field]);
  }
  const text = (name: EnvelopeField): string | null => {
    const field = last.get(name);
    return field ? fieldValue(raw, field) : null;
  };
  // Address fields that occur more than once are joined (Dovecot); text fields keep the last one.
  const addresses = (name: EnvelopeField): string | null => {
    const list = (all.get(name) ?? []).flatMap((field) => parseAddressList(fieldValue(raw, field)));
    return list.length === 0 ? null : encodeAddresses(list);
  };
  const from = addresses('from');
  const sender = addresses('sender') ?? from;
  const replyTo = addresses('reply-to') ?? from;
  return `(${[
    imapNStringNoLf(text('date')),
    imapNStringForHumans(text('subject')),
    from ?? 'NIL',
    sender ?? 'NIL',
    replyTo ?? 'NIL',
    addresses('to') ?? 'NIL',
    addresses('cc') ?? 'NIL',
    addresses('bcc') ?? 'NIL',
    imapNStringNoLf(text('in-reply-to')),
    imapNStringNoLf(text('message-id')),
  ].join(' ')})`;
}
