/**
 * AUTHENTICATE PLAIN / LOGIN / SCRAM-SHA-256[-PLUS] with SASL-IR (RFC 9051 §6.2.2, RFC 4959). The
 * exchanges are the shared SaslExchange and ScramExchange (server/auth/); each challenge is a
 * continuation, the client's line comes back as a continuationLine.
 * Unsupported mechanism → NO; cancelled or malformed exchange → BAD (§6.2.2).
 */
import { BadInputError } from '../../../lib/errors.js';
import { SaslCancelledError, SaslExchange, type SaslStep } from '../../auth/sasl.js';
import { isScramMechanism, ScramExchange, type ScramStep } from '../../auth/scram-exchange.js';
import { badCommand, type CommandSpec, type Completion, NOT_AUTHENTICATED, refuse } from '../command-spec.js';
import type { ImapSession } from '../session.js';
import { authenticateAs, authResultCompletion } from './login.js';

export const authenticate: CommandSpec<'AUTHENTICATE'> = {
  states: NOT_AUTHENTICATED,
  needsPrivacy: true,
  async handle(session, tag, command) {
    if (isScramMechanism(command.mechanism)) {
      const scram = new ScramExchange(
        session.ctx.auth,
        { remoteAddress: session.info.remoteAddress, protocol: 'imap' },
        command.mechanism,
        session.channelBinding(),
      );
      return scramStep(session, tag, () => scram.start(command.initialResponse), scram);
    }
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

async function scramStep(
  session: ImapSession,
  tag: string,
  advance: () => Promise<ScramStep>,
  exchange: ScramExchange,
): Promise<Completion | null> {
  let next: ScramStep;
  try {
    next = await advance();
  } catch (err) {
    if (err instanceof SaslCancelledError) return badCommand('Authentication cancelled');
    if (err instanceof BadInputError) return badCommand(`Malformed authentication response: ${err.message}`);
    throw err;
  }
  if (next.kind === 'challenge') {
    session.expectContinuation(tag, next.challenge, async (line, cancelled) => {
      if (cancelled) return badCommand('Authentication cancelled');
      return scramStep(session, tag, () => exchange.next(line), exchange);
    });
    return null;
  }
  return authResultCompletion(session, next.result);
}
