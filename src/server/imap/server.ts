/**
 * The IMAP protocol entry point (issue 4): one ImapSession per connection, one mailbox-index registry
 * per server (shared by IMAP and IMAPS), BYE to every session on shutdown.
 */

import { encodeUntaggedStatus } from '../../protocol/imap/encoder.js';
import type { Account } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import type { ProtocolFactory } from '../net/connection.js';
import type { SessionDetails } from '../net/user-connections.js';
import { ImapSession } from './session.js';
import { MailboxIndexRegistry } from './shared-index.js';

export const createImapProtocol: ProtocolFactory = (ctx) => {
  const sessions = new Set<ImapSession>();
  const closed = new Set<() => void>();
  const indexes = registryOf(ctx);
  const services = {
    ctx,
    indexes,
    // One per-user slot table for every protocol (src/server/net/user-connections.ts); a context built
    // without one (unit tests) has no per-user limit.
    async claimUser(account: Account, details: SessionDetails): Promise<(() => void) | null> {
      if (!ctx.userConnections) return () => {};
      return ctx.userConnections.acquire('imap', account.id, details);
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
      socket.end(encodeUntaggedStatus({ status: 'BYE', text }));
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

/** One mailbox-index registry per server, shared by its IMAP and IMAPS listeners. */
const registries = new WeakMap<ServerContext, MailboxIndexRegistry>();
function registryOf(ctx: ServerContext): MailboxIndexRegistry {
  let registry = registries.get(ctx);
  if (!registry) {
    registry = new MailboxIndexRegistry(ctx.store, ctx.bus, ctx.log);
    registries.set(ctx, registry);
  }
  return registry;
}
