/**
 * The one check before any handler runs: is this command valid in the session's state, and may
 * credentials be sent on this connection? Returns the refusal to send, or null.
 */
import type { Pop3Command } from '../../protocol/pop3/command.js';
import { errLine } from '../../protocol/pop3/response.js';
import { COMMAND_STATES } from './commands/states.js';
import type { Pop3Session } from './session.js';

export function checkAllowed(session: Pop3Session, command: Pop3Command): string | null {
  if (!COMMAND_STATES[command.name].includes(session.state)) {
    return errLine(`${command.name} is not allowed in the ${session.state.toUpperCase()} state`);
  }
  switch (command.name) {
    case 'USER':
    case 'PASS':
      return session.plaintextAuthAllowed ? passNeedsUser(session, command) : plaintextRefused();
    case 'AUTH':
      // Bare AUTH only lists mechanisms, which reveals nothing.
      return command.mechanism === undefined || session.plaintextAuthAllowed ? null : plaintextRefused();
    case 'STLS':
      if (session.info.secure) return errLine('Already using TLS');
      if (session.pendingUser !== null) return errLine('STLS is not allowed after USER');
      return null;
    default:
      return null;
  }
}

function passNeedsUser(session: Pop3Session, command: Pop3Command): string | null {
  return command.name === 'PASS' && session.pendingUser === null ? errLine('Send USER first') : null;
}

function plaintextRefused(): string {
  // RFC 3206 4 / issue 5: refuse cleartext credentials on an unencrypted, non-local connection.
  return errLine('Plaintext authentication is disabled on unencrypted connections, use STLS', 'AUTH');
}
