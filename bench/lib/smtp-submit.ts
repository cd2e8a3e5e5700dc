/**
 * Submission load for the outgoing benchmark: N parallel SMTP clients, each one connection that says
 * EHLO (and AUTH PLAIN when given credentials) once, then MAIL/RCPT/DATA per message, pipelined (RFC 2920;
 * both servers offer PIPELINING), waiting for the 250 after DATA before its next message. Raw sockets, so
 * Postyard and Postfix see exactly the same client.
 */
import { TransferConnection } from './transfer-client.js';

export interface SubmitOptions {
  port: number;
  clients: number;
  count: number;
  /** Per client: credentials (Postyard) or none (Postfix trusts loopback), and its envelope sender. */
  client(index: number): { from: string; auth?: { user: string; pass: string } };
  /** The dot-stuffed message `index` from `from` to `to`. */
  message(index: number, from: string, to: string): Buffer;
  recipient(index: number): string;
  /** Called once every client is connected (and authenticated), right before the first MAIL. */
  onStart?(): void;
}

/** Sends `count` messages over `clients` connections; resolves with the time of the last 250. */
export async function submitAll(options: SubmitOptions): Promise<bigint> {
  const conns = await Promise.all(
    Array.from({ length: options.clients }, async (_, k) => {
      const { from, auth } = options.client(k);
      return { from, conn: await TransferConnection.smtp(options.port, auth) };
    }),
  );
  options.onStart?.();
  // Client k sends messages k, k + clients, ...: its From: must be its own login's address (Postyard
  // checks it). A message is a small header plus a shared body, so building it costs microseconds.
  await Promise.all(
    conns.map(async ({ from, conn }, k) => {
      for (let i = k; i < options.count; i += conns.length) {
        const to = options.recipient(i);
        await conn.send(to, options.message(i, from, to), from);
      }
    }),
  );
  const done = process.hrtime.bigint();
  for (const { conn } of conns) conn.close();
  return done;
}
