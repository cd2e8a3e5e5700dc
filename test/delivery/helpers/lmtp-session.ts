/** One LMTP transaction over a RawSmtpClient: the RCPT replies and, for accepted ones, the DATA replies. */
import type { RawSmtpClient, Reply } from './smtp-client.js';

export interface TransactionReplies {
  /** Per recipient: the RCPT reply if it was refused, else its DATA reply (RFC 2033 4.2). */
  perRecipient: Map<string, Reply>;
}

export async function lmtpTransaction(
  client: RawSmtpClient,
  from: string,
  recipients: string[],
  message: string | Buffer,
): Promise<TransactionReplies> {
  const perRecipient = new Map<string, Reply>();
  const mail = await client.command(`MAIL FROM:<${from}>`);
  if (mail.code !== 250) throw new Error(`MAIL refused: ${mail.text}`);
  const accepted: string[] = [];
  for (const rcpt of recipients) {
    const reply = await client.command(`RCPT TO:<${rcpt}>`);
    if (reply.code === 250) accepted.push(rcpt);
    else perRecipient.set(rcpt, reply);
  }
  if (accepted.length === 0) {
    await client.command('RSET');
    return { perRecipient };
  }
  const go = await client.command('DATA');
  if (go.code !== 354) throw new Error(`DATA refused: ${go.text}`);
  client.sendData(message);
  const replies = await client.readMany(accepted.length);
  for (const [i, rcpt] of accepted.entries()) perRecipient.set(rcpt, replies[i]!);
  return { perRecipient };
}

/** Connects and greets (LHLO); returns the LHLO reply lines. */
export async function lmtpHello(client: RawSmtpClient, name = 'test.client'): Promise<Reply> {
  const greeting = await client.read();
  if (greeting.code !== 220) throw new Error(`greeting: ${greeting.text}`);
  return client.command(`LHLO ${name}`);
}
