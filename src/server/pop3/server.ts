/**
 * POP3 protocol entry point (issue 3): one handler per listener (plain port with STLS, and implicit
 * TLS), all sharing the store-level maildrop locks. shutdown() says `-ERR [SYS/TEMP]` and deletes nothing.
 */

import { errLine } from '../../protocol/pop3/response.js';
import type { ProtocolFactory } from '../net/connection.js';
import { Pop3Session } from './session.js';

export const createPop3Protocol: ProtocolFactory = (ctx) => {
  const sessions = new Set<Pop3Session>();
  return {
    handle(socket, info, log) {
      try {
        if (ctx.shuttingDown()) {
          socket.end(errLine('Server shutting down', 'SYS/TEMP'));
          return;
        }
        const session = new Pop3Session(ctx, socket, info, log);
        sessions.add(session);
        void session.closedPromise.then(() => sessions.delete(session));
        session.start();
      } catch (err) {
        log.error({ err }, 'could not start POP3 session');
        socket.destroy();
      }
    },
    refuse(socket, reason) {
      const text =
        reason === 'shutting-down' ? 'Server shutting down' : 'Too many connections from your address';
      socket.write(errLine(text, 'SYS/TEMP'));
    },
    async shutdown() {
      await Promise.all([...sessions].map((session) => session.shutdown()));
    },
  };
};
