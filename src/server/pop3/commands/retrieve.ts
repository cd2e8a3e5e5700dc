/** RETR and TOP (RFC 1939 5, 7). RETR optionally marks \Seen (config.pop3.markSeenOnRetr). */
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import { sendMessage } from '../message-body.js';
import type { Pop3Session } from '../session.js';
import { noSuchMessage } from './listing.js';

export async function retr(
  session: Pop3Session,
  command: Extract<Pop3Command, { name: 'RETR' }>,
): Promise<void> {
  const maildrop = session.maildrop!;
  const message = maildrop.get(command.msg);
  if (!message) return session.reply(noSuchMessage(maildrop, command.msg));
  await sendMessage(session, message, `${message.size} octets`);
  if (session.account?.popMarkSeen ?? session.ctx.config.pop3.markSeenOnRetr)
    session.seenQueue.push(message.uid);
}

export async function top(
  session: Pop3Session,
  command: Extract<Pop3Command, { name: 'TOP' }>,
): Promise<void> {
  const maildrop = session.maildrop!;
  const message = maildrop.get(command.msg);
  if (!message) return session.reply(noSuchMessage(maildrop, command.msg));
  await sendMessage(session, message, 'Top of message follows', command.lines);
}
