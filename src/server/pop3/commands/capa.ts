/**
 * CAPA (RFC 2449 5): exactly what works on this connection in this state. USER, SASL and STLS only
 * before login; USER and SASL only where plaintext credentials are accepted; STLS only without TLS.
 */
import { multiLine } from '../../../protocol/pop3/response.js';
import type { Pop3Session } from '../session.js';
import { saslMechanisms } from './auth.js';

export function capa(session: Pop3Session): void {
  session.reply(multiLine('Capability list follows', capabilities(session)));
}

export function capabilities(session: Pop3Session): string[] {
  const preLogin = session.state === 'authorization';
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE', 'PIPELINING'];
  if (preLogin && session.plaintextAuthAllowed)
    caps.push('USER', `SASL ${saslMechanisms(session).join(' ')}`);
  if (preLogin && !session.info.secure) caps.push('STLS');
  caps.push(expire(session), `LOGIN-DELAY ${session.ctx.config.pop3.loginDelay}`, 'UTF8 USER');
  caps.push('IMPLEMENTATION Postyard');
  return caps;
}

/**
 * RFC 2449 6.7: days the server keeps messages. After login it is the account's retention; before
 * login the server default, marked USER because accounts may differ ("NEVER" cannot carry USER).
 */
function expire(session: Pop3Session): string {
  if (session.account) {
    const days = session.account.retentionDays;
    return days === null ? 'EXPIRE NEVER' : `EXPIRE ${days}`;
  }
  const days = session.ctx.config.retentionDays;
  return days === null ? 'EXPIRE NEVER' : `EXPIRE ${days} USER`;
}
