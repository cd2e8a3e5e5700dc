/**
 * AUTH (RFC 5034) with SASL-IR: PLAIN (RFC 4616), LOGIN and SCRAM-SHA-256[-PLUS] (RFC 7677), through
 * the SASL exchanges shared with IMAP (server/auth/).
 * A continuation line of "*" cancels (RFC 5034 4); invalid base64 fails the command with [AUTH].
 */
import { BadInputError } from '../../../lib/errors.js';
import type { Pop3Command } from '../../../protocol/pop3/command.js';
import { challengeLine, errLine, multiLine } from '../../../protocol/pop3/response.js';
import { SASL_MECHANISMS, SaslCancelledError, SaslExchange } from '../../auth/sasl.js';
import { isScramMechanism, ScramExchange, scramMechanisms } from '../../auth/scram-exchange.js';
import { channelBindingOf } from '../../net/channel-binding.js';
import { login, loginWith } from '../login.js';
import type { Pop3Session } from '../session.js';

/** The mechanisms of this connection: SCRAM-SHA-256-PLUS only with TLS. */
export function saslMechanisms(session: Pop3Session): string[] {
  return [...SASL_MECHANISMS, ...scramMechanisms(session.info.secure)];
}

export async function auth(
  session: Pop3Session,
  command: Extract<Pop3Command, { name: 'AUTH' }>,
): Promise<void> {
  if (command.mechanism === undefined) {
    session.reply(multiLine('Mechanisms follow', saslMechanisms(session)));
    return;
  }
  try {
    if (isScramMechanism(command.mechanism)) {
      await scram(session, command.mechanism, command.initialResponse);
      return;
    }
    const exchange = new SaslExchange(command.mechanism, command.initialResponse);
    let step = exchange.start();
    while (step.kind === 'challenge') {
      session.reply(challengeLine(step.challenge));
      const input = await session.nextInput();
      if (!input) return; // The connection is closing.
      if (input.kind === 'too-long') throw new BadInputError('SASL response too long');
      step = exchange.next(input.line.toString('latin1'));
    }
    const { authzid, authcid, password } = step.credentials;
    if (authzid !== '' && authzid !== authcid) {
      session.reply(errLine('Authorization identity not allowed', 'AUTH'));
      return;
    }
    await login(session, authcid, password);
  } catch (err) {
    if (err instanceof SaslCancelledError) session.reply(errLine('Authentication cancelled'));
    else if (err instanceof BadInputError) session.badCommand(errLine(err.message, 'AUTH'));
    else throw err;
  }
}

async function scram(session: Pop3Session, mechanism: string, initialResponse?: string): Promise<void> {
  const exchange = new ScramExchange(
    session.ctx.auth,
    { remoteAddress: session.info.remoteAddress, protocol: 'pop3' },
    mechanism,
    channelBindingOf(session.socket),
  );
  let step = await exchange.start(initialResponse);
  while (step.kind === 'challenge') {
    session.reply(challengeLine(step.challenge));
    const input = await session.nextInput();
    if (!input) return; // The connection is closing.
    if (input.kind === 'too-long') throw new BadInputError('SASL response too long');
    step = await exchange.next(input.line.toString('latin1'));
  }
  await loginWith(session, exchange.login, step.result);
}
