/**
 * Delivery status notifications (RFC 3464): a multipart/report (RFC 6522) with a human-readable part,
 * a message/delivery-status part (per-message and per-recipient fields) and the original message
 * (message/rfc822, RET=FULL) or its header only (text/rfc822-headers, the default and RET=HDRS).
 * Pure: bytes in, bytes out.
 */
import { randomBytes } from 'node:crypto';
import { formatRfc5322Date } from '../delivery/received-header.js';

export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed';

export interface DsnRecipient {
  /** Final-Recipient (RFC 3464 2.3.2): the address we tried. */
  address: string;
  /** ORCPT as given at submission ("rfc822;bob@example.org"), or null. */
  orcpt: string | null;
  action: DsnAction;
  /** RFC 3463 status code, e.g. "5.1.1". */
  status: string;
  /** The remote reply or our explanation, e.g. "550 5.1.1 No such user". */
  diagnostic?: string;
  /** Host that gave the reply. */
  remoteMta?: string;
  lastAttempt?: Date;
  /** For 'delayed': when retrying stops. */
  willRetryUntil?: Date;
}

export interface DsnInput {
  /** Our host name: Reporting-MTA and the From/Message-ID domain. */
  reportingMta: string;
  /** The original envelope sender: the DSN goes to it. */
  to: string;
  envid: string | null;
  arrivalDate: Date;
  recipients: DsnRecipient[];
  /** The original message; only its header is included unless `ret` is FULL. */
  original: Buffer;
  ret: 'FULL' | 'HDRS' | null;
  date: Date;
  /** The queue id, for the postmaster (Postfix prints its queue id the same way). */
  queueId?: string;
}

const SUBJECTS: Record<DsnAction, string> = {
  failed: 'Undelivered Mail Returned to Sender',
  delayed: 'Delayed Mail (still being retried)',
  delivered: 'Successful Mail Delivery Report',
  relayed: 'Successful Mail Delivery Report',
};

/** RFC 3463: the enhanced code a reply carries, else one derived from its class. */
export function statusFromReply(reply: string, fallbackClass: 4 | 5): string {
  const enhanced = /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (enhanced) return enhanced[1]!;
  const bare = /^([245]\.\d{1,3}\.\d{1,3})\b/.exec(reply);
  if (bare) return bare[1]!;
  const basic = /^([45])\d\d\b/.exec(reply);
  if (basic) return `${basic[1]}.0.0`;
  return `${fallbackClass}.4.1`; // no answer from the host (RFC 3463 X.4.1)
}

export function buildDsn(input: DsnInput): Buffer {
  const boundary = `${input.date.getTime().toString(36)}.${randomBytes(9).toString('base64url')}/${input.reportingMta}`;
  const actions = new Set(input.recipients.map((r) => r.action));
  const main: DsnAction = actions.has('failed') ? 'failed' : actions.has('delayed') ? 'delayed' : 'delivered';
  const header = originalHeader(input.original);
  const full = input.ret === 'FULL';
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${input.reportingMta}>`,
    `To: <${clean(input.to)}>`,
    `Subject: ${SUBJECTS[main]}`,
    `Date: ${formatRfc5322Date(input.date)}`,
    `Message-ID: <${input.date.getTime().toString(36)}.${randomBytes(6).toString('hex')}@${input.reportingMta}>`,
    // RFC 3834 5: automatic responses must not trigger further automatic responses.
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...humanReadable(input, main),
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    ...perMessageFields(input),
    ...input.recipients.flatMap((r) => ['', ...perRecipientFields(r)]),
    '',
    `--${boundary}`,
    full ? 'Content-Type: message/rfc822' : 'Content-Type: text/rfc822-headers',
    '',
  ];
  const tail = `\r\n--${boundary}--\r\n`;
  const body = full ? withCrlf(input.original) : header;
  return Buffer.concat([
    Buffer.from(lines.join('\r\n'), 'utf8'),
    Buffer.from('\r\n'),
    body,
    Buffer.from(tail),
  ]);
}

function humanReadable(input: DsnInput, main: DsnAction): string[] {
  const intro: Record<DsnAction, string> = {
    failed: 'Your message could not be delivered to one or more recipients. It has been given up on.',
    delayed:
      'Your message has not been delivered yet to one or more recipients. It is still being retried;' +
      ' you do not need to send it again.',
    delivered: 'Your message was delivered to the recipients below, as you asked.',
    relayed: 'Your message was passed on to the recipients below, as you asked.',
  };
  const out = [`This is the mail system at ${input.reportingMta}.`, '', intro[main], ''];
  for (const r of input.recipients) {
    out.push(`<${clean(r.address)}>: ${r.action}${r.diagnostic ? `: ${clean(r.diagnostic)}` : ''}`);
    if (r.willRetryUntil) out.push(`    (retried until ${formatRfc5322Date(r.willRetryUntil)})`);
  }
  if (input.queueId) out.push('', `Queue id: ${input.queueId}`);
  return out;
}

function perMessageFields(input: DsnInput): string[] {
  const fields = [`Reporting-MTA: dns; ${input.reportingMta}`];
  if (input.queueId) fields.push(`X-Postyard-Queue-ID: ${input.queueId}`);
  if (input.envid) fields.push(`Original-Envelope-Id: ${clean(input.envid)}`);
  fields.push(`Arrival-Date: ${formatRfc5322Date(input.arrivalDate)}`);
  return fields;
}

function perRecipientFields(r: DsnRecipient): string[] {
  const fields: string[] = [];
  if (r.orcpt) fields.push(`Original-Recipient: ${clean(r.orcpt)}`);
  fields.push(`Final-Recipient: rfc822; ${clean(r.address)}`, `Action: ${r.action}`, `Status: ${r.status}`);
  if (r.remoteMta) fields.push(`Remote-MTA: dns; ${clean(r.remoteMta)}`);
  if (r.diagnostic) {
    const smtp = /^\d{3}\b/.test(r.diagnostic);
    fields.push(`Diagnostic-Code: ${smtp ? 'smtp' : 'x-postyard'}; ${clean(r.diagnostic)}`);
  }
  if (r.lastAttempt) fields.push(`Last-Attempt-Date: ${formatRfc5322Date(r.lastAttempt)}`);
  if (r.willRetryUntil) fields.push(`Will-Retry-Until: ${formatRfc5322Date(r.willRetryUntil)}`);
  return fields;
}

/** The original's header block, CRLF line endings, ending with its last field (no blank line). */
export function originalHeader(message: Buffer): Buffer {
  const crlf = message.indexOf('\r\n\r\n');
  const lf = message.indexOf('\n\n');
  const end = crlf !== -1 && (lf === -1 || crlf < lf) ? crlf + 2 : lf !== -1 ? lf + 1 : message.length;
  return withCrlf(message.subarray(0, end));
}

function withCrlf(data: Buffer): Buffer {
  const text = data.toString('latin1');
  return Buffer.from(text.replace(/\r?\n/g, '\r\n'), 'latin1');
}

/** One header line's worth of text: no line breaks or controls, bounded. */
function clean(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return value.replace(/[\x00-\x1f\x7f]+/g, ' ').slice(0, 900);
}
