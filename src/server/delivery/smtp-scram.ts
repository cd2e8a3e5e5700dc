/**
 * SCRAM-SHA-256 and SCRAM-SHA-256-PLUS for SMTP AUTH (RFC 4954, RFC 7677) on smtp-server, which
 * implements PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 itself. Its AUTH handler looks every mechanism listed in
 * the server's `authMethods` up in its SASL table (exported as `smtp-server/lib/sasl.js`) as
 * `SASL_<MECHANISM>`, called with the connection as `this`: the two entries added here run the shared
 * ScramExchange (server/auth/) with the AuthService of the listener that enabled them, so the throttle
 * and stored keys are the ones IMAP and POP3 use. A server that did not enable SCRAM answers 504 as for
 * any unknown mechanism.
 *
 * Replies (RFC 4954 4, 6): a challenge is 334; "*" cancels and undecodable base64 fails with 501; a wrong
 * proof is 535, a blocked address 454; the server-final message (`v=`) is one more 334 that the client
 * answers with an empty line, then 235.
 */
import type { SMTPServer, SMTPServerSession } from 'smtp-server';
import sasl from 'smtp-server/lib/sasl.js';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { BadInputError, toMailError } from '../../lib/errors.js';
import type { AuthService } from '../auth/auth.js';
import { SaslCancelledError } from '../auth/sasl.js';
import { SCRAM, SCRAM_PLUS, ScramExchange, type ScramStep } from '../auth/scram-exchange.js';
import type { ServerContext } from '../context.js';
import { channelBindingOf } from '../net/channel-binding.js';
import { authFailureReply } from './smtp-replies.js';

export interface SmtpScramOptions {
  auth: AuthService;
  log: ServerContext['log'];
  /** False answers AUTH with 530 (STARTTLS first), as the listener's onAuth does for PLAIN and LOGIN. */
  mayAuthenticate(session: SMTPServerSession): boolean;
}

const enabled = new WeakMap<SMTPServer, SmtpScramOptions>();

/**
 * Lets `server` take AUTH SCRAM-SHA-256[-PLUS]. Call before it accepts connections, and call
 * advertiseScram() for each connection so that its EHLO lists the mechanisms it can use.
 */
export function enableSmtpScram(server: SMTPServer, options: SmtpScramOptions): void {
  enabled.set(server, options);
  // smtp-server's AUTH takes only listed mechanisms; EHLO shows -PLUS on TLS only (advertiseScram).
  for (const mechanism of [SCRAM_PLUS, SCRAM]) {
    if (!server.options.authMethods.includes(mechanism)) server.options.authMethods.push(mechanism);
  }
  Object.assign(sasl, {
    [`SASL_${SCRAM}`]: scramMechanism(SCRAM),
    [`SASL_${SCRAM_PLUS}`]: scramMechanism(SCRAM_PLUS),
  });
}

/**
 * EHLO lists SCRAM-SHA-256-PLUS only on a TLS connection (it binds to the TLS channel, RFC 5802 6);
 * smtp-server builds the AUTH line from the server-wide authMethods, so a plaintext connection's EHLO
 * sees them without -PLUS for the duration of that synchronous handler.
 */
export function advertiseScram(connection: SMTPConnection): void {
  if (!enabled.has(connection._server)) return;
  const ehlo = connection.handler_EHLO;
  connection.handler_EHLO = function (this: SMTPConnection, command, callback) {
    const options = this._server.options;
    const shared = options.authMethods;
    options.authMethods = this.secure ? shared : shared.filter((mechanism) => mechanism !== SCRAM_PLUS);
    try {
      ehlo.call(this, command, callback);
    } finally {
      options.authMethods = shared;
    }
  };
}

function scramMechanism(mechanism: typeof SCRAM | typeof SCRAM_PLUS) {
  return function (this: SMTPConnection, args: string[], callback: () => void): void {
    const options = enabled.get(this._server);
    const refusal = refuse(this, mechanism, args, options);
    if (refusal || !options) {
      this.send(...(refusal ?? REFUSED_MECHANISM));
      callback();
      return;
    }
    const exchange = new ScramExchange(
      options.auth,
      { remoteAddress: this.session.remoteAddress, protocol: 'smtp' },
      mechanism,
      channelBindingOf(this._socket),
    );
    // RFC 4954 4: "=" is an empty initial response; ScramExchange decodes it so.
    advance(this, options, exchange, () => exchange.start(args[0]), callback);
  };
}

type Reply = [code: number, text: string];
const REFUSED_MECHANISM: Reply = [504, 'Error: Unrecognized authentication type'];

/** Why this AUTH cannot start, or null. -PLUS needs TLS to bind to (it is not advertised without). */
function refuse(
  connection: SMTPConnection,
  mechanism: string,
  args: string[],
  options: SmtpScramOptions | undefined,
): Reply | null {
  if (!options || (mechanism === SCRAM_PLUS && !connection.secure)) return REFUSED_MECHANISM;
  if (args.length > 1) return [501, `Error: syntax: AUTH ${mechanism} [initial-response]`];
  if (!options.mayAuthenticate(connection.session)) return [530, 'Must issue a STARTTLS command first'];
  return null;
}

function advance(
  connection: SMTPConnection,
  options: SmtpScramOptions,
  exchange: ScramExchange,
  step: () => Promise<ScramStep>,
  callback: () => void,
): void {
  step().then(
    (next) => {
      if (next.kind === 'challenge') {
        connection._nextHandler = (line, done) =>
          advance(connection, options, exchange, () => exchange.next(line.toString('latin1')), done);
        connection.send(334, next.challenge);
      } else if (next.result.ok) {
        connection.session.user = next.result.account.login;
        connection.session.transmissionType = connection._transmissionType();
        connection.send(235, 'Authentication successful');
      } else {
        const { responseCode, message } = authFailureReply(next.result.reason);
        connection.send(responseCode, message);
      }
      callback();
    },
    (err: unknown) => {
      if (err instanceof SaslCancelledError) connection.send(501, 'Authentication cancelled');
      else if (err instanceof BadInputError) connection.send(501, 'Malformed authentication response');
      else {
        options.log.error(
          { err: toMailError(err), protocol: 'submission' },
          'SCRAM authentication failed internally',
        );
        const { responseCode, message } = authFailureReply('temporary');
        connection.send(responseCode, message);
      }
      callback();
    },
  );
}
