/**
 * Whose mail an authenticated user may send (RFC 6409 6.1: the MSA may check the sender): the envelope
 * sender and every From: author must be the login itself or a subaddress of it (user+tag@domain,
 * RFC 5233). Anything else is refused with 553 5.7.1, so an account cannot send as another.
 */
import { parseHeaderFields } from '../../mime/header.js';
import { parseAddressList } from '../../mime/index.js';
import { parseRecipient } from './recipients.js';

export function ownsAddress(login: string, address: string): boolean {
  const parsed = parseRecipient(address);
  const user = login.toLowerCase();
  return parsed.domain !== '' && (parsed.address === user || parsed.login === user);
}

/** The From: authors of a message (its header only), as addresses; [] without a From: field. */
export function fromAddresses(message: Buffer): string[] {
  const end = headerEnd(message);
  const fields = parseHeaderFields(message, 0, end);
  return fields
    .filter((f) => f.lower === 'from')
    .flatMap((f) => parseAddressList(message.toString('utf8', f.valueStart, f.valueEnd)))
    .filter((a) => a.mailbox !== null && a.host !== null)
    .map((a) => `${a.mailbox}@${a.host}`);
}

/** The first From: author that `login` may not use, or null when all are its own. */
export function foreignAuthor(login: string, message: Buffer): string | null {
  return fromAddresses(message).find((a) => !ownsAddress(login, a)) ?? null;
}

function headerEnd(message: Buffer): number {
  const crlf = message.indexOf('\r\n\r\n');
  if (crlf !== -1) return crlf + 2;
  const lf = message.indexOf('\n\n');
  return lf !== -1 ? lf + 1 : message.length;
}
