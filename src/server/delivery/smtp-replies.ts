/**
 * The one mapping from MailError codes to SMTP/LMTP replies (RFC 5321 4.2, enhanced status codes
 * RFC 3463). smtp-server adds the enhanced code that goes with the reply code (550 → 5.1.1,
 * 452 → 4.2.2, 552 → 5.2.2, 451 → 4.3.0, 554 → 5.6.0, 454 → 4.7.0); a reply whose meaning needs another
 * one passes it to smtpReply (sent as is by connection-replies.ts). Oversized messages are answered by
 * smtp-server itself (rejectOversized: 552 5.3.4). Internal details never reach the client.
 */
import type { SMTPServerError } from 'smtp-server';
import type { Config } from '../../config/types.js';
import type { MailError } from '../../lib/errors.js';

export type OverQuotaPolicy = Config['delivery']['overQuota'];

/** A reply; `enhanced` (e.g. '5.7.1') replaces the one smtp-server would add for `code`. */
export function smtpReply(code: number, text: string, enhanced?: string): SMTPServerError {
  const err: SMTPServerError = new Error(enhanced ? `${enhanced} ${text}` : text);
  err.responseCode = code;
  return err;
}

export function unknownRecipientReply(): SMTPServerError {
  return smtpReply(550, 'Mailbox unavailable: no such user here');
}

/** A recipient in a domain that is not ours (RFC 5321 3.6.2, RFC 3463 5.7.1 "delivery not authorized"). */
export function relayingDeniedReply(): SMTPServerError {
  return smtpReply(554, 'Relaying denied: this server accepts mail for its own domains only', '5.7.1');
}

/** Submission to another domain while outgoing.mode is 'disabled': the same refusal, saying why. */
export function outgoingDisabledReply(): SMTPServerError {
  return smtpReply(554, 'Relaying denied: outgoing mail is disabled on this server (outgoing.mode)', '5.7.1');
}

/** RFC 5321 4.5.3.1.10: the client may go on to DATA with the recipients accepted so far. */
export function tooManyRecipientsReply(): SMTPServerError {
  return smtpReply(452, 'Too many recipients', '4.5.3');
}

/** RFC 3463 4.2.2 / 5.2.2 "mailbox full"; temporary unless delivery.overQuota is 'permanent'. */
export function overQuotaReply(policy: OverQuotaPolicy): SMTPServerError {
  return policy === 'permanent'
    ? smtpReply(552, 'Mailbox full: quota exceeded')
    : smtpReply(452, 'Mailbox full: quota exceeded, try again later');
}

export function temporaryFailureReply(): SMTPServerError {
  return smtpReply(451, 'Temporary local error, try again later');
}

export function replyForError(error: MailError, policy: OverQuotaPolicy): SMTPServerError {
  switch (error.code) {
    case 'NOT_FOUND':
      return unknownRecipientReply();
    case 'OVER_QUOTA':
      return overQuotaReply(policy);
    case 'TOO_BIG':
      return smtpReply(552, 'Message exceeds the maximum message size');
    case 'BAD_INPUT':
      return smtpReply(554, error.public ? error.message : 'Message refused: malformed content');
    default:
      return temporaryFailureReply();
  }
}

/**
 * A failed SMTP AUTH, whatever the mechanism (RFC 4954 6): 535 for wrong credentials, 454 while the
 * address or account is blocked or the check could not be made.
 */
export function authFailureReply(reason: 'invalid' | 'blocked' | 'temporary'): {
  responseCode: number;
  message: string;
} {
  if (reason === 'invalid') return { responseCode: 535, message: 'Authentication failed' };
  return {
    responseCode: 454,
    message:
      reason === 'blocked'
        ? 'Too many failed logins from your address, try again later'
        : 'Authentication temporarily unavailable, try again later',
  };
}
