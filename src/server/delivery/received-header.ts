/**
 * The trace header prepended to every delivered message (RFC 5321 4.4, RFC 5322 3.6.7):
 *
 *   Received: from helo (client.host [192.0.2.1])
 *           by mail.example.org with LMTP id 0a1b2c;
 *           Thu, 26 Nov 2026 07:00:00 +0000
 */
import type { SMTPServerSession } from 'smtp-server';

export interface ReceivedInfo {
  /** Name the client gave in HELO/EHLO/LHLO (may be empty). */
  helo: string;
  /** Reverse-resolved client name or the address literal. */
  clientHostname: string;
  remoteAddress: string;
  /** Our host name (config.hostname). */
  hostname: string;
  /** "LMTP", "ESMTP", "ESMTPS", "LOCAL" ... (RFC 3848 "with" protocol types). */
  protocol: string;
  /** Session/transaction id for cross-referencing the log. */
  id: string;
  /** Added as "for <address>" only with a single recipient, so one shared blob never lists others. */
  recipient?: string;
  date?: Date;
}

/** The trace data of an SMTP/LMTP/submission transaction (all but our host name and the recipient). */
export function receivedInfo(session: SMTPServerSession): Omit<ReceivedInfo, 'hostname' | 'recipient'> {
  return {
    helo: session.hostNameAppearsAs || '',
    clientHostname: session.clientHostname || '',
    remoteAddress: session.remoteAddress,
    protocol: session.transmissionType,
    id: `${session.id}.${session.transaction}`,
  };
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 3.3 date-time in UTC, e.g. "Thu, 26 Nov 2026 07:00:00 +0000". */
export function formatRfc5322Date(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[date.getUTCDay()]}, ${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

/** Keeps client-supplied tokens from breaking the header: no controls, no parentheses, no spaces, bounded. */
function token(value: string, fallback: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = value.replace(/[\x00-\x20\x7f()<>;\\"]/g, '').slice(0, 255);
  return clean || fallback;
}

/** The complete header field, folded, ending in CRLF. */
export function buildReceivedHeader(info: ReceivedInfo): string {
  const helo = token(info.helo, 'unknown');
  const client = token(info.clientHostname, 'unknown');
  const address = token(info.remoteAddress, 'unknown');
  const clientPart =
    client === address || client === `[${address}]` ? `[${address}]` : `${client} [${address}]`;
  const forPart = info.recipient ? `\r\n\tfor <${token(info.recipient, 'unknown')}>` : '';
  return (
    `Received: from ${helo} (${clientPart})\r\n` +
    `\tby ${token(info.hostname, 'localhost')} with ${token(info.protocol, 'SMTP')} id ${token(info.id, 'none')}` +
    `${forPart};\r\n` +
    `\t${formatRfc5322Date(info.date ?? new Date())}\r\n`
  );
}
