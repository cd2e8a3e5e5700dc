// Placeholder until the IMAP issue lands: the agreed factory signature only.
import type { ProtocolFactory } from '../net/connection.js';

export const createImapProtocol: ProtocolFactory = () => ({
  handle(socket) {
    socket.end('* BYE IMAP is not available yet\r\n');
  },
  async shutdown() {},
});
