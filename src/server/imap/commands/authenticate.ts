/**
 * AUTHENTICATE PLAIN / LOGIN with SASL-IR (RFC 9051 §6.2.2, RFC 4959). The exchange itself is the shared
 * SaslExchange; each challenge is a continuation, the client's line comes back as a continuationLine.
 * Unsupported mechanism → NO; cancelled or malformed exchange → BAD (§6.2.2).
 */
import { SaslCancelledError, SaslExchange, type SaslStep } from '../../auth/sasl.js';
import { badCommand, type CommandSpec, type Completion, NOT_AUTHENTICATED, refuse } from '../command-spec.js';
import type { ImapSession } from '../session.js';
import { authenticateAs } from './login.js';

export const authenticate: CommandSpec<'AUTHENTICATE'> = {
  states: NOT_AUTHENTICATED,
  needsPrivacy: true,
  async handle(session, tag, command) {
    let exchange: SaslExchange;
    try {
      exchange = new SaslExchange(command.mechanism, command.initialResponse);
    } catch {
      return refuse('Unsupported authentication mechanism', { code: 'CANNOT' });
    }
    return step(session, tag, exchange, () => exchange.start());
  },
};

async function step(
  session: ImapSession,
  tag: string,
  exchange: SaslExchange,
  advance: () => SaslStep,
): Promise<Completion | null> {
  let next: SaslStep;
  try {
    next = advance();
  } catch (err) {
    if (err instanceof SaslCancelledError) return badCommand('Authentication cancelled');
    return badCommand('Malformed authentication response');
  }
  if (next.kind === 'challenge') {
    session.expectContinuation(tag, next.challenge, async (line, cancelled) => {
      if (cancelled) return badCommand('Authentication cancelled');
      return step(session, tag, exchange, () => exchange.next(line));
    });
    return null;
  }
  const { authzid, authcid, password } = next.credentials;
  if (authzid !== '' && authzid.toLowerCase() !== authcid.toLowerCase()) {
    return refuse('Proxy authorization is not supported', { code: 'AUTHORIZATIONFAILED' });
  }
  return authenticateAs(session, authcid, password);
}
