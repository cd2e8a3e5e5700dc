/**
 * The IMAP protocol entry point (issue 4): one ImapSession per connection, one shared mailbox-index
 * registry per listener, BYE to every session on shutdown.
 */
import { limitsOf } from '../../lib/limits.js';
import type { ServerContext } from '../context.js';
import type { ProtocolFactory } from '../net/connection.js';
import { ImapSession } from './session.js';
import { MailboxIndexRegistry } from './shared-index.js';

export const createImapProtocol: ProtocolFactory = (ctx) => {
  const sessions = new Set<ImapSession>();
  const closed = new Set<() => void>();
  const indexes = new MailboxIndexRegistry(ctx.store, ctx.bus);
  const perUser = sessionsPerUser(ctx);
  const services = {
    ctx,
    indexes,
    claimUser(accountId: number): boolean {
      const count = perUser.get(accountId) ?? 0;
      if (count >= limitsOf(ctx.config).maxConnectionsPerUser) return false;
      perUser.set(accountId, count + 1);
      return true;
    },
    releaseUser(accountId: number): void {
      const count = (perUser.get(accountId) ?? 1) - 1;
      if (count > 0) perUser.set(accountId, count);
      else perUser.delete(accountId);
    },
    onClose(session: ImapSession) {
      sessions.delete(session);
      if (sessions.size === 0) for (const resolve of closed) resolve();
    },
  };
  return {
    handle(socket, info, log) {
      try {
        socket.setNoDelay(true);
        socket.setKeepAlive(true, 60_000);
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

/** Logged-in sessions per account, shared by the IMAP and IMAPS listeners of one server. */
const perUserByServer = new WeakMap<ServerContext, Map<number, number>>();
function sessionsPerUser(ctx: ServerContext): Map<number, number> {
  let map = perUserByServer.get(ctx);
  if (!map) {
    map = new Map();
    perUserByServer.set(ctx, map);
  }
  return map;
}
