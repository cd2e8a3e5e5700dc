/**
 * The smtp-server side of a submitted message: the envelope with its DSN parameters (RFC 3461; ENVID
 * and ORCPT arrive xtext-encoded, section 4) as a SubmitRequest, and the one reply to DATA.
 */
import type { Logger } from 'pino';
import type { SMTPServerDataResult, SMTPServerDataStream, SMTPServerSession } from 'smtp-server';
import type { DsnNotify } from '../../store/store.js';
import { receivedInfo } from './received-header.js';
import { replyForError, smtpReply } from './smtp-replies.js';
import type { SubmitRequest, SubmitResult } from './submit-message.js';

type DataDone = (err?: Error | null, message?: string | SMTPServerDataResult[]) => void;

interface DsnEnvelope {
  dsn?: { ret?: string | null; envid?: string | null };
}
interface DsnRecipient {
  dsn?: { notify?: string[]; orcpt?: string };
}

export function submissionRequest(
  session: SMTPServerSession,
  stream: SMTPServerDataStream,
  log: Logger,
): SubmitRequest {
  const envelope = session.envelope as SMTPServerSession['envelope'] & DsnEnvelope;
  const ret = envelope.dsn?.ret?.toUpperCase();
  return {
    user: String(session.user),
    from: envelope.mailFrom ? envelope.mailFrom.address : '',
    recipients: envelope.rcptTo.map((r) => {
      const dsn = (r as typeof r & DsnRecipient).dsn;
      return {
        address: r.address,
        ...(dsn?.notify ? { notify: dsn.notify.map((n) => n.toUpperCase() as DsnNotify) } : {}),
        orcpt: dsn?.orcpt ? decodeXtext(dsn.orcpt) : null,
      };
    }),
    ret: ret === 'FULL' || ret === 'HDRS' ? ret : null,
    envid: envelope.dsn?.envid ? decodeXtext(envelope.dsn.envid) : null,
    input: stream,
    received: receivedInfo(session),
    log,
  };
}

/** RFC 3461 4: "+" followed by two upper-case hex digits stands for that byte. */
export function decodeXtext(value: string): string {
  return value.replace(/\+([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * One reply (RFC 5321 4.1.1.4): 250 with the queue id once everything is stored or queued; a local
 * recipient the store refused (over quota...) after others were accepted is logged, as for SMTP.
 */
export function answerSubmission(
  result: SubmitResult,
  policy: 'temporary' | 'permanent',
  log: Logger,
  callback: DataDone,
): void {
  if (result.kind === 'foreign-author') {
    log.info({ author: result.author }, 'From: not owned by the user');
    callback(smtpReply(553, `From: address ${result.author.slice(0, 200)} is not yours`, '5.7.1'));
    return;
  }
  if (result.kind === 'error') {
    callback(replyForError(result.error, policy));
    return;
  }
  const delivered = result.local.filter((o) => o.ok).length;
  const firstFailure = result.local.find((o) => !o.ok);
  if (!result.queued && delivered === 0 && firstFailure && !firstFailure.ok) {
    callback(replyForError(firstFailure.error, policy));
    return;
  }
  const queued = result.queued ? `queued as ${result.queued.id}` : '';
  const local = delivered > 0 ? `delivered to ${delivered} local recipient(s)` : '';
  callback(null, `Ok: ${[queued, local].filter(Boolean).join(', ')}`);
}
