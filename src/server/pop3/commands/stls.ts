/**
 * STLS (RFC 2595 4). Anything the client pipelined after STLS is plaintext that an attacker may have
 * injected: it is discarded from our receiver here and from the socket by upgradeToTls.
 */
import { okLine } from '../../../protocol/pop3/response.js';
import { upgradeToTls } from '../../net/tls.js';
import type { Pop3Session } from '../session.js';

export async function stls(session: Pop3Session): Promise<void> {
  session.discardInput();
  session.reply(okLine('Begin TLS negotiation'));
  await session.writer.drained();
  session.discardInput();
  try {
    const secure = await upgradeToTls(session.socket, session.ctx.tls, { log: session.log });
    session.discardInput();
    session.switchSocket(secure);
    session.log.debug('STLS done');
  } catch (err) {
    session.abort('STLS handshake failed', err);
  }
}
