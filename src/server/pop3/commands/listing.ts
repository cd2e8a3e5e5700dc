/** STAT, LIST and UIDL (RFC 1939 5, 7): read from the login snapshot, never from the store. */
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import { errLine, multiLine, okLine } from '../../../protocol/pop3/response.js';
import type { Maildrop, MaildropMessage } from '../maildrop.js';
import type { Pop3Session } from '../session.js';
import { formatUidl } from '../uidl.js';

export function stat(session: Pop3Session): void {
  const { messages, bytes } = session.maildrop!.stat();
  session.reply(okLine(`${messages} ${bytes}`));
}

export function list(session: Pop3Session, command: Extract<Pop3Command, { name: 'LIST' }>): void {
  listing(session, command.msg, (m) => `${m.msg} ${m.size}`);
}

export function uidl(session: Pop3Session, command: Extract<Pop3Command, { name: 'UIDL' }>): void {
  const maildrop = session.maildrop!;
  const format = session.ctx.config.pop3.uidlFormat;
  listing(session, command.msg, (m) => `${m.msg} ${formatUidl(format, m.uid, maildrop.uidValidity)}`);
}

function listing(session: Pop3Session, msg: number | undefined, line: (m: MaildropMessage) => string): void {
  const maildrop = session.maildrop!;
  if (msg !== undefined) {
    const message = maildrop.get(msg);
    session.reply(message ? okLine(line(message)) : noSuchMessage(maildrop, msg));
    return;
  }
  const lines: string[] = [];
  for (const message of maildrop.visible()) lines.push(line(message));
  const { messages, bytes } = maildrop.stat();
  session.reply(multiLine(`${messages} messages (${bytes} octets)`, lines));
}

export function noSuchMessage(maildrop: Maildrop, msg: number): string {
  return errLine(maildrop.isDeleted(msg) ? 'Message already deleted' : 'No such message');
}
