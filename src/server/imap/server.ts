/**
 * The IMAP protocol entry point (issue 4): one ImapSession per connection, one shared mailbox-index
 * registry per listener, BYE to every session on shutdown.
 */
import type { ProtocolFactory } from '../net/connection.js';
import { ImapSession } from './session.js';
import { MailboxIndexRegistry } from './shared-index.js';

export const createImapProtocol: ProtocolFactory = (ctx) => {
  const sessions = new Set<ImapSession>();
  const closed = new Set<() => void>();
  const indexes = new MailboxIndexRegistry(ctx.store, ctx.bus);
  const services = {
    ctx,
    indexes,
    onClose(session: ImapSession) {
      sessions.delete(session);
      if (sessions.size === 0) for (const resolve of closed) resolve();
    },
  };
  return {
    handle(socket, info, log) {
      try {
        socket.setNoDelay(true);
        const session = new ImapSession(socket, info, log, services);
        sessions.add(session);
        if (ctx.shuttingDown()) {
          void session.bye('Server shutting down');
          return;
        }
        session.start();
      } catch (err) {
        log.error({ err }, 'IMAP session could not start');
        socket.destroy();
      }
    },
    refuse(socket, reason) {
      const text = reason === 'too-many-connections' ? 'Too many connections' : 'Server shutting down';
      socket.end(`* BYE ${text}\r\n`);
    },
    async shutdown() {
      if (sessions.size > 0) {
        const allClosed = new Promise<void>((resolve) => closed.add(resolve));
        for (const session of sessions) void session.bye('Server shutting down');
        await allClosed;
      }
      indexes.close();
    },
  };
};
