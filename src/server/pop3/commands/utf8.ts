/** UTF8 (RFC 6856 3): we never down-convert, so this only records the client's request. */
import { okLine } from '../../../protocol/pop3/response.js';
import type { Pop3Session } from '../session.js';

export function utf8(session: Pop3Session): void {
  session.utf8 = true;
  session.reply(okLine('UTF8 enabled'));
}
