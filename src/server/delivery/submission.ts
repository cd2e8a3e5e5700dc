/**
 * Message submission (RFC 6409) on the submission port, or with implicit TLS (RFC 8314 3.3,
 * "submissions", port 465): AUTH PLAIN/LOGIN, or SCRAM-SHA-256[-PLUS] (smtp-scram.ts),
 * (RFC 4954) through ctx.auth is required before MAIL; AUTH is offered only after STARTTLS unless the
 * peer is trusted (config.trustedNetworks, loopback by default) or allowPlaintextAuth is set.
 * Local recipients are delivered; with outgoing mail configured (config.outgoing), others are queued
 * for delivery to the world. The envelope sender and From: must be the user's own (sender-policy.ts).
 */
import type {
  SMTPServerAuthentication,
  SMTPServerAuthenticationResponse,
  SMTPServerSession,
} from 'smtp-server';
import { toMailError } from '../../lib/errors.js';
import type { ServerContext } from '../context.js';
import { createTrustCheck } from '../net/trusted.js';
import { createDeliveryListener, type DeliveryListener } from './delivery-server.js';
import { authFailureReply, smtpReply } from './smtp-replies.js';
import { advertiseScram, enableSmtpScram } from './smtp-scram.js';

type AuthDone = (err: Error | null | undefined, response?: SMTPServerAuthenticationResponse) => void;

export function createSubmissionListener(
  ctx: ServerContext,
  options: { implicitTls?: boolean } = {},
): DeliveryListener {
  const plaintextAllowed = (session: SMTPServerSession) =>
    session.secure ||
    ctx.config.allowPlaintextAuth ||
    createTrustCheck(ctx.config.trustedNetworks)(session.remoteAddress);
  return createDeliveryListener(
    ctx,
    'submission',
    {
      secure: options.implicitTls === true,
      authMethods: ['PLAIN', 'LOGIN'],
      // RFC 3461 DSN requests (RET, ENVID, NOTIFY, ORCPT) are honoured for queued mail.
      hideDSN: false,
      // smtp-server's own pre-TLS check is replaced by ours (per connection, trusted networks).
      allowInsecureAuth: true,
      maxConnectionsPerIp: ctx.config.limits.maxConnectionsPerIp,
      requireAuth: { plaintextAllowed },
      onSecure(_socket, session, callback) {
        // After STARTTLS the server-wide command set applies again: AUTH is offered.
        session.disabledCommands = undefined;
        callback();
      },
      onAuth(auth: SMTPServerAuthentication, session: SMTPServerSession, callback: AuthDone) {
        if (!plaintextAllowed(session))
          return callback(smtpReply(530, 'Must issue a STARTTLS command first'));
        if (!auth.username || typeof auth.password !== 'string') {
          return callback(null, authFailureReply('invalid'));
        }
        ctx.auth
          .authenticate({
            login: auth.username,
            password: auth.password,
            remoteAddress: session.remoteAddress,
            protocol: 'smtp',
          })
          .then(
            (result) => {
              if (result.ok) return callback(null, { user: result.account.login });
              callback(null, authFailureReply(result.reason));
            },
            (err: unknown) => {
              ctx.log.error(
                { err: toMailError(err), protocol: 'submission' },
                'authentication failed internally',
              );
              callback(null, authFailureReply('temporary'));
            },
          );
      },
    },
    {
      setup: (server) =>
        enableSmtpScram(server, { auth: ctx.auth, log: ctx.log, mayAuthenticate: plaintextAllowed }),
      onConnection: advertiseScram,
    },
  );
}
