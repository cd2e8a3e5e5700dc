/**
 * Delivered and refused mail as the admin pages list it: one event per recipient, handed to the
 * activity recorder (buffered, see src/server/activity/recorder.ts). Refusals keep the reply the
 * client got, so the admin reads exactly what the sender was told.
 */
import type { SMTPServerError, SMTPServerSession } from 'smtp-server';
import type { MailEvent } from '../../store/activity.js';
import type { ServerContext } from '../context.js';
import type { RecipientOutcome } from './deliver-message.js';
import type { DeliveryProtocol } from './session-handlers.js';
import { type OverQuotaPolicy, replyForError } from './smtp-replies.js';

type EventBase = Pick<MailEvent, 'protocol' | 'sender' | 'remoteAddress'>;

function base(protocol: DeliveryProtocol, session: SMTPServerSession): EventBase {
  const from = session.envelope.mailFrom;
  return { protocol, sender: from ? from.address : '', remoteAddress: session.remoteAddress || null };
}

/** The reply text as sent: code, then the message (which carries the enhanced code when set). */
export function replyText(reply: SMTPServerError): string {
  return `${reply.responseCode ?? 451} ${reply.message}`.slice(0, 300);
}

/** RCPT refused (unknown user, relaying, over quota...). */
export function recordRefusedRecipient(
  ctx: ServerContext,
  protocol: DeliveryProtocol,
  session: SMTPServerSession,
  recipient: string,
  reply: SMTPServerError,
): void {
  ctx.activity?.mailEvent({
    ...base(protocol, session),
    at: new Date(),
    outcome: 'refused',
    recipient: recipient.toLowerCase(),
    accountId: null,
    size: null,
    reason: replyText(reply),
  });
}

/** DATA's outcome for every accepted recipient. */
export function recordDataOutcomes(
  ctx: ServerContext,
  protocol: DeliveryProtocol,
  session: SMTPServerSession,
  outcomes: readonly RecipientOutcome[],
  size: number | null,
  policy: OverQuotaPolicy,
): void {
  if (!ctx.activity) return;
  const at = new Date();
  for (const o of outcomes) {
    ctx.activity.mailEvent({
      ...base(protocol, session),
      at,
      outcome: o.ok ? 'delivered' : 'refused',
      recipient: o.recipient.toLowerCase(),
      accountId: o.ok ? o.account.id : null,
      size,
      reason: o.ok ? null : replyText(replyForError(o.error, policy)),
    });
  }
}
