/**
 * limits.maxBadCommands for SMTP/LMTP: smtp-server itself only closes after a fixed 10 unrecognised
 * commands, so each connection's replies are watched instead. Syntax and sequence errors (500-504,
 * RFC 5321 4.2.3) count; any success reply resets the count (the limit is on consecutive bad commands).
 * The command that reaches the limit is answered 421 and the connection is closed (RFC 5321 3.8).
 */
import type { SMTPServer } from 'smtp-server';

const isBadCommandReply = (code: number) => code >= 500 && code <= 504;

/** Call from onConnect (the connection is registered with the server by then). */
export function limitBadCommands(server: SMTPServer, connectionId: string, limit: () => number): void {
  for (const connection of server.connections) {
    if (connection.id !== connectionId) continue;
    const send = connection.send.bind(connection);
    let bad = 0;
    connection.send = (code, data, context) => {
      if (isBadCommandReply(code) && ++bad >= limit()) {
        send(421, 'Too many bad commands, closing connection', context);
        return;
      }
      if (code < 400) bad = 0;
      send(code, data, context);
    };
    return;
  }
}
