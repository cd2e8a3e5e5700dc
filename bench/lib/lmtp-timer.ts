/**
 * Times LMTP deliveries (RFC 2033) over N parallel connections: each connection says LHLO once, then
 * MAIL/RCPT/DATA per message and waits for the final 250 (the server's durability point) before the next.
 * Raw sockets, no library, so both servers see exactly the same client.
 */
import { dotStuff } from '../../src/protocol/pop3/dot-stuffer.js';
import { TransferConnection } from './transfer-client.js';

export interface DeliveryTiming {
  connections: number;
  messages: number;
  bytes: number;
  ms: number;
}

/** Delivers messages[0..count) (cycling), message i to recipientOf(i), over `connections` connections. */
export async function timeLmtpDeliveries(
  port: number,
  recipientOf: (index: number) => string,
  messages: Buffer[],
  options: { connections: number; count: number },
): Promise<DeliveryTiming> {
  const blocks = messages.map(dotStuff);
  const conns = await Promise.all(
    Array.from({ length: options.connections }, () => TransferConnection.lmtp(port)),
  );
  let next = 0;
  let bytes = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    conns.map(async (c) => {
      while (next < options.count) {
        const i = next++;
        const message = messages[i % messages.length]!;
        bytes += message.length;
        await c.send(recipientOf(i), blocks[i % blocks.length]!);
      }
    }),
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  for (const c of conns) c.close();
  return { connections: options.connections, messages: options.count, bytes, ms };
}
