/** USER and PASS (RFC 1939 7). The password is never logged. */
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import { okLine } from '../../../protocol/pop3/response.js';
import { login } from '../login.js';
import type { Pop3Session } from '../session.js';

export function user(session: Pop3Session, command: Extract<Pop3Command, { name: 'USER' }>): void {
  session.pendingUser = command.user;
  session.reply(okLine('Send PASS'));
}

export async function pass(
  session: Pop3Session,
  command: Extract<Pop3Command, { name: 'PASS' }>,
): Promise<void> {
  const name = session.pendingUser!;
  session.pendingUser = null;
  await login(session, name, command.password);
}
