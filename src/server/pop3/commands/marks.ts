/** DELE, RSET, NOOP (RFC 1939 5): DELE only marks; nothing is removed before UPDATE. */
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import { okLine } from '../../../protocol/pop3/response.js';
import type { Pop3Session } from '../session.js';
import { noSuchMessage } from './listing.js';

export function dele(session: Pop3Session, command: Extract<Pop3Command, { name: 'DELE' }>): void {
  const maildrop = session.maildrop!;
  if (!maildrop.get(command.msg)) {
    session.reply(noSuchMessage(maildrop, command.msg));
    return;
  }
  maildrop.markDeleted(command.msg);
  session.reply(okLine(`Message ${command.msg} deleted`));
}

export function rset(session: Pop3Session): void {
  const maildrop = session.maildrop!;
  maildrop.reset();
  const { messages, bytes } = maildrop.stat();
  session.reply(okLine(`${messages} messages (${bytes} octets)`));
}

export function noop(session: Pop3Session): void {
  session.reply(okLine());
}
