/**
 * STARTTLS (RFC 9051 §6.2.1). Plaintext the client pipelined after the command is discarded (issue 5:
 * STARTTLS injection): the receiver's buffer and the socket's are dropped before the handshake.
 */
import { upgradeToTls } from '../../net/tls.js';
import { badCommand, type CommandSpec, NOT_AUTHENTICATED } from '../command-spec.js';
import { formatStatus } from '../wire.js';

export const starttls: CommandSpec<'STARTTLS'> = {
  states: NOT_AUTHENTICATED,
  async handle(session, tag) {
    if (session.info.secure) return badCommand('TLS is already active');
    // After UNAUTHENTICATE a compressed plaintext connection stays compressed: TLS would have to go under it.
    if (session.compressed) return badCommand('STARTTLS is not possible under COMPRESS');
    // Everything queued so far goes out first; the go-ahead is written by upgradeToTls in the same tick as
    // the discard of pipelined plaintext, so the ClientHello that follows is never thrown away.
    await session.writer.drained();
    session.receiver.discardBuffered();
    const plain = session.socketForUpgrade();
    const goAhead = formatStatus({ tag, status: 'OK', text: 'Begin TLS negotiation now' });
    try {
      const secure = await upgradeToTls(plain, session.ctx.tls, { log: session.log, goAhead });
      session.replaceSocket(secure);
      session.receiver.discardBuffered();
    } catch (err) {
      session.log.info({ err }, 'STARTTLS handshake failed');
      session.close();
    }
    return null;
  },
};
