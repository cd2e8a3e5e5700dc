/** LOGIN (RFC 9051 §6.2.3) through the one authentication service. */
import type { Account } from '../../../store/store.js';
import type { AuthResult } from '../../auth/auth.js';
import { type CommandSpec, type Completion, NOT_AUTHENTICATED, refuse } from '../command-spec.js';
import type { ImapSession } from '../session.js';

export const login: CommandSpec<'LOGIN'> = {
  states: NOT_AUTHENTICATED,
  needsPrivacy: true,
  async handle(session, _tag, command) {
    return authenticateAs(session, command.username, command.password);
  },
};

/** Shared by LOGIN and AUTHENTICATE: verifies, logs in, answers with the new capabilities. */
export async function authenticateAs(
  session: ImapSession,
  login: string,
  password: string,
): Promise<Completion> {
  const result = await session.ctx.auth.authenticate({
    login,
    password,
    remoteAddress: session.info.remoteAddress,
    protocol: 'imap',
  });
  return authResultCompletion(session, result);
}

/** The tagged answer for an authentication result (password or SCRAM); logs in on success. */
export async function authResultCompletion(session: ImapSession, result: AuthResult): Promise<Completion> {
  if (!result.ok) {
    if (result.reason === 'temporary')
      return refuse('Temporary authentication failure', { code: 'UNAVAILABLE' });
    // Throttled, not wrong: the client must not tell its user the password is bad (issue 13).
    if (result.reason === 'blocked')
      return refuse('Too many failed logins from your address, try again later', { code: 'UNAVAILABLE' });
    return refuse('Authentication failed', { code: 'AUTHENTICATIONFAILED' });
  }
  return loggedIn(session, result.account);
}

async function loggedIn(session: ImapSession, account: Account): Promise<Completion> {
  if (!(await session.loggedIn(account)))
    return refuse('Too many connections for this user', { code: 'LIMIT' });
  return {
    status: 'OK',
    code: { code: 'CAPABILITY', capabilities: session.capabilities() },
    text: 'Logged in',
  };
}
