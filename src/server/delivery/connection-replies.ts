/**
 * Each SMTP/LMTP connection's replies pass through here (smtp-server has no hook for either):
 * - Our own enhanced status codes (RFC 3463): smtp-server adds one per reply code (554 → 5.6.0), so a
 *   reply whose text already starts with one (smtpReply(554, 'Relaying denied', '5.7.1')) is sent as is.
 * - limits.maxBadCommands: smtp-server itself only closes after a fixed 10 unrecognised commands.
 *   Syntax and sequence errors (500-504, RFC 5321 4.2.3) count; any success reply resets the count (the
 *   limit is on consecutive bad commands). The command that reaches the limit is answered 421 and the
 *   connection is closed (RFC 5321 3.8).
 */
import type { SMTPServer } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

const isBadCommandReply = (code: number) => code >= 500 && code <= 504;
/** "5.7.1 text": a reply text that carries its own enhanced status code. */
const OWN_ENHANCED_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/** The connection of a session; smtp-server hands onConnect only the session. */
export function connectionOf(server: SMTPServer, sessionId: string): SMTPConnection | undefined {
  for (const connection of server.connections) if (connection.id === sessionId) return connection;
  return undefined;
}

export function watchReplies(connection: SMTPConnection, maxBadCommands: () => number): void {
  const send = connection.send.bind(connection);
  let bad = 0;
  connection.send = (code, data, context) => {
    if (isBadCommandReply(code) && ++bad >= maxBadCommands()) {
      send(421, 'Too many bad commands, closing connection', context);
      return;
    }
    if (code < 400) bad = 0;
    const ownCode = typeof data === 'string' && OWN_ENHANCED_CODE.test(data);
    send(code, data, ownCode ? false : context);
  };
}
