// Placeholder until the POP3 issue lands: the agreed factory signature only.
import type { ProtocolFactory } from '../net/connection.js';

export const createPop3Protocol: ProtocolFactory = () => ({
  handle(socket) {
    socket.end('-ERR [SYS/PERM] POP3 is not available yet\r\n');
  },
  async shutdown() {},
});
