/**
 * Loads messages into a server over LMTP (RFC 2033), a few connections in parallel, so Postyard and
 * Dovecot get the same bytes through the same path (the client of transfer-client.ts).
 */
import { dotStuff } from '../../src/protocol/pop3/dot-stuffer.js';
import { TransferConnection } from './transfer-client.js';

export async function loadViaLmtp(
  port: number,
  recipient: string,
  messages: Buffer[],
  connections = 4,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    const c = await TransferConnection.lmtp(port);
    try {
      while (next < messages.length) await c.send(recipient, dotStuff(messages[next++]!));
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
}
