/**
 * The smtp-server callbacks shared by LMTP and inbound SMTP: connection accounting and logging,
 * RCPT checks (unknown user, already over quota) and DATA → deliverMessage → replies.
 * Every callback catches its own errors: a failure answers 451 and never reaches the process.
 */
import type { Logger } from 'pino';
import type {
  SMTPServerAddress,
  SMTPServerDataResult,
  SMTPServerDataStream,
  SMTPServerError,
  SMTPServerSession,
} from 'smtp-server';
import { toMailError } from '../../lib/errors.js';
import type { ServerContext } from '../context.js';
import { checkAuthentication } from './auth-results.js';
import { deliverMessage, type RecipientOutcome } from './deliver-message.js';
import { recordDataOutcomes, recordRefusedRecipient } from './mail-events.js';
import { receivedInfo } from './received-header.js';
import { lookupRecipient } from './recipients.js';
import { ownsAddress } from './sender-policy.js';
import {
  outgoingDisabledReply,
  overQuotaReply,
  relayingDeniedReply,
  replyForError,
  smtpReply,
  temporaryFailureReply,
  tooManyRecipientsReply,
  unknownRecipientReply,
} from './smtp-replies.js';
import { answerSubmission, submissionRequest } from './submission-data.js';
import { submitMessage } from './submit-message.js';

export type DeliveryProtocol = 'smtp' | 'lmtp' | 'submission';

type Done = (err?: Error | null) => void;
type DataDone = (err?: Error | null, message?: string | SMTPServerDataResult[]) => void;

export interface SessionHandlers {
  onConnect(session: SMTPServerSession, callback: Done): void;
  onClose(session: SMTPServerSession): void;
  onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, callback: Done): void;
  onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, callback: Done): void;
  onData(stream: SMTPServerDataStream, session: SMTPServerSession, callback: DataDone): void;
  /** Resolves once every DATA transaction that has started is answered. */
  settled(): Promise<void>;
}

export function createSessionHandlers(
  ctx: ServerContext,
  protocol: DeliveryProtocol,
  options: {
    maxConnectionsPerIp: number | null;
    /** Submission (RFC 6409 4.3): MAIL only after AUTH; AUTH hidden on untrusted plaintext connections. */
    requireAuth?: { plaintextAllowed(session: SMTPServerSession): boolean };
  },
): SessionHandlers {
  const logs = new Map<string, Logger>();
  const perIp = new Map<string, number>();
  const inFlight = new Set<Promise<unknown>>();
  const policy = () => ctx.config.delivery.overQuota;
  const logOf = (session: SMTPServerSession) => logs.get(session.id) ?? ctx.log;
  const outgoingEnabled = () => ctx.config.outgoing.mode !== 'disabled';
  const mailParameters = protocol === 'submission' ? SUBMISSION_MAIL_PARAMETERS : MAIL_PARAMETERS;
  const rcptParameters = protocol === 'submission' ? SUBMISSION_RCPT_PARAMETERS : RCPT_PARAMETERS;

  return {
    onConnect(session, callback) {
      if (ctx.shuttingDown()) return callback(smtpReply(421, `${ctx.config.hostname} Service shutting down`));
      const ip = session.remoteAddress;
      const count = perIp.get(ip) ?? 0;
      if (options.maxConnectionsPerIp !== null && count >= options.maxConnectionsPerIp) {
        ctx.log.warn({ protocol, ip }, 'too many connections from this address');
        return callback(smtpReply(421, 'Too many connections from your address, try again later'));
      }
      perIp.set(ip, count + 1);
      const log = ctx.log.child({ conn: session.id, protocol, ip });
      logs.set(session.id, log);
      // RFC 4954 4 / issue 5: no AUTH offered before STARTTLS unless the peer is trusted.
      if (options.requireAuth && !options.requireAuth.plaintextAllowed(session))
        session.disabledCommands = ['AUTH'];
      log.debug('connected');
      callback();
    },

    onClose(session) {
      const log = logs.get(session.id);
      if (!log) return;
      logs.delete(session.id);
      const ip = session.remoteAddress;
      const count = (perIp.get(ip) ?? 1) - 1;
      if (count > 0) perIp.set(ip, count);
      else perIp.delete(ip);
      log.debug('closed');
    },

    onMailFrom(address, session, callback) {
      if (options.requireAuth && !session.user) {
        // RFC 3207 4: a command that needs TLS first is answered 530 5.7.0 with that reason.
        if (!options.requireAuth.plaintextAllowed(session))
          return callback(smtpReply(530, 'Must issue a STARTTLS command first'));
        return callback(smtpReply(530, 'Authentication required'));
      }
      const badParameter = unsupportedParameter(address, mailParameters);
      if (badParameter) return callback(badParameter);
      // RFC 6409 6.1: an authenticated user sends as itself only (the null sender included).
      if (options.requireAuth && session.user && !ownsAddress(String(session.user), address.address)) {
        logOf(session).info({ user: session.user, from: address.address }, 'sender not owned by the user');
        return callback(
          smtpReply(553, `Sender address rejected: not owned by user ${session.user}`, '5.7.1'),
        );
      }
      callback();
    },

    onRcptTo(address, session, callback) {
      const badParameter = unsupportedParameter(address, rcptParameters);
      if (badParameter) return callback(badParameter);
      const key = address.address.toLowerCase();
      const accepted = session.envelope.rcptTo;
      const repeated = accepted.some((r) => r.address.toLowerCase() === key);
      if (!repeated && distinctCount(accepted) >= ctx.config.limits.maxRecipients)
        return callback(tooManyRecipientsReply());
      checkRecipient(address, session)
        .then(
          (reply) => {
            // RFC 2033 4.2: LMTP answers DATA once per accepted RCPT, repeats included. smtp-server keeps
            // one envelope entry per address (a repeat overwrites the first one), so a repeat accepted
            // here is added once more; the store still gets the message once per account.
            if (!reply && repeated && protocol === 'lmtp') accepted.push(address);
            if (reply) recordRefusedRecipient(ctx, protocol, session, address.address, reply);
            callback(reply ?? null);
          },
          (err: unknown) => {
            logOf(session).error({ err: toMailError(err) }, 'RCPT check failed');
            callback(temporaryFailureReply());
          },
        )
        .catch((err: unknown) => logOf(session).error({ err: toMailError(err) }, 'RCPT reply failed'));
    },

    onData(stream, session, callback) {
      const log = logOf(session);
      if (protocol === 'submission') {
        const work = submitMessage(ctx, submissionRequest(session, stream, log))
          .then((result) => answerSubmission(result, policy(), log, callback))
          .catch((err: unknown) => {
            log.error({ err: toMailError(err) }, 'submission failed');
            stream.resume();
            callback(temporaryFailureReply());
          })
          .finally(() => inFlight.delete(work));
        inFlight.add(work);
        return;
      }
      const recipients = session.envelope.rcptTo.map((r) => r.address);
      const mailFrom = session.envelope.mailFrom;
      const checked =
        protocol === 'smtp' && ctx.config.delivery.authenticationResults
          ? checkAuthentication(stream, {
              config: ctx.config,
              remoteAddress: session.remoteAddress,
              helo: session.hostNameAppearsAs || '',
              sender: mailFrom ? mailFrom.address : '',
            })
          : Promise.resolve({ input: stream, headers: '' });
      const work = checked
        .then(({ input, headers }) =>
          deliverMessage(ctx, {
            from: mailFrom ? mailFrom.address : '',
            recipients,
            input,
            traceFields: headers,
            received: receivedInfo(session),
            log,
          }),
        )
        .then(
          (outcomes) => {
            // smtp-server counts the bytes it passed on (stream.byteLength) once the stream ended.
            const size = (stream as { byteLength?: number }).byteLength ?? null;
            recordDataOutcomes(ctx, protocol, session, outcomes, size, policy());
            answerData(protocol, outcomes, policy(), callback);
          },
          (err: unknown) => {
            log.error({ err: toMailError(err) }, 'DATA failed');
            stream.resume();
            callback(temporaryFailureReply());
          },
        )
        // Never rejects: an error here must not become an unhandled rejection.
        .catch((err: unknown) => log.error({ err: toMailError(err) }, 'DATA reply failed'))
        .finally(() => inFlight.delete(work));
      inFlight.add(work);
    },

    async settled() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
  };

  /** RCPT (RFC 5321 3.3): 550 for unknown users; over quota already (or with the SIZE hint) is refused now. */
  async function checkRecipient(
    address: SMTPServerAddress,
    session: SMTPServerSession,
  ): Promise<SMTPServerError | undefined> {
    const store = ctx.store;
    const found = await lookupRecipient(store, ctx.config, address.address);
    if (found.kind === 'other-domain' && protocol === 'submission' && outgoingEnabled()) {
      return undefined; // an authenticated user's mail to the world: queued at DATA
    }
    if (found.kind === 'other-domain' && protocol !== 'lmtp') {
      // Not ours and nothing to send it on with: relaying denied, never "no such user".
      logOf(session).info({ rcpt: address.address }, 'relaying denied');
      return protocol === 'submission' ? outgoingDisabledReply() : relayingDeniedReply();
    }
    if (found.kind !== 'local') {
      logOf(session).info({ rcpt: address.address }, 'unknown recipient');
      return unknownRecipientReply();
    }
    const account = found.account;
    const usage = await store.getQuotaUsage(account.id);
    const mailFrom = session.envelope.mailFrom;
    const size = mailFrom ? mailFrom.args || {} : {};
    const sizeHint = typeof size.SIZE === 'string' ? Number(size.SIZE) : 0;
    const overMessages = usage.limitMessages !== null && usage.messages >= usage.limitMessages;
    const overBytes =
      usage.limitBytes !== null &&
      (sizeHint > 0 ? usage.bytes + sizeHint > usage.limitBytes : usage.bytes >= usage.limitBytes);
    if (overMessages || overBytes) {
      logOf(session).info({ rcpt: address.address }, 'recipient over quota');
      return overQuotaReply(policy());
    }
    return undefined;
  }
}

/** Recipients counted case-insensitively, as smtp-server keeps them. */
function distinctCount(recipients: readonly SMTPServerAddress[]): number {
  return new Set(recipients.map((r) => r.address.toLowerCase())).size;
}

/** Parameters of the extensions we advertise: SIZE (RFC 1870), BODY (RFC 6152), SMTPUTF8 (RFC 6531). */
const MAIL_PARAMETERS = new Set(['SIZE', 'BODY', 'SMTPUTF8']);
const RCPT_PARAMETERS = new Set<string>();
/** Submission also takes DSN requests (RFC 3461): RET and ENVID on MAIL, NOTIFY and ORCPT on RCPT. */
const SUBMISSION_MAIL_PARAMETERS = new Set([...MAIL_PARAMETERS, 'RET', 'ENVID']);
const SUBMISSION_RCPT_PARAMETERS = new Set(['NOTIFY', 'ORCPT']);

/** RFC 5321 4.1.1.11: a parameter of an extension we did not advertise → 555 5.5.4. */
function unsupportedParameter(address: SMTPServerAddress, allowed: Set<string>): SMTPServerError | null {
  const unknown = Object.keys(address.args || {}).find((key) => !allowed.has(key.toUpperCase()));
  return unknown ? smtpReply(555, `Parameter ${unknown.slice(0, 40)} not supported`) : null;
}

/**
 * LMTP (RFC 2033 4.2): one reply per accepted recipient, in RCPT order.
 * SMTP (RFC 5321 4.1.1.4): one reply; 250 if any recipient got the message (the others are logged:
 * without a queue there is no bounce to send), else the first recipient's failure.
 */
function answerData(
  protocol: DeliveryProtocol,
  outcomes: RecipientOutcome[],
  policy: 'temporary' | 'permanent',
  callback: DataDone,
): void {
  if (protocol === 'lmtp') {
    callback(
      null,
      outcomes.map((o) => (o.ok ? `<${o.recipient}> Saved` : replyForError(o.error, policy))),
    );
    return;
  }
  const delivered = outcomes.filter((o) => o.ok).length;
  const firstFailure = outcomes.find((o) => !o.ok);
  if (delivered > 0 || !firstFailure || firstFailure.ok)
    callback(null, `Ok: delivered to ${delivered} recipient(s)`);
  else callback(replyForError(firstFailure.error, policy));
}
