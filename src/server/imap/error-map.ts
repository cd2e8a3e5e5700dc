/**
 * The one mapping from MailError codes to IMAP tagged responses (DESIGN.md "Conventions").
 * Response codes: RFC 9051 §7.1, RFC 5530 (IMAP response codes), RFC 7889 (TOOBIG).
 * Internal messages never reach the client: only errors marked `public` show their text.
 */
import { type MailError, type MailErrorCode, toMailError } from '../../lib/errors.js';

export interface ImapFailure {
  status: 'NO' | 'BAD';
  code: string | null;
  text: string;
}

const CODES: Record<MailErrorCode, { code: string | null; text: string }> = {
  NOT_FOUND: { code: 'NONEXISTENT', text: 'No such mailbox' },
  EXISTS: { code: 'ALREADYEXISTS', text: 'Mailbox already exists' },
  OVER_QUOTA: { code: 'OVERQUOTA', text: 'Quota exceeded' },
  EXPUNGED: { code: 'EXPUNGEISSUED', text: 'Some messages have been expunged' },
  TEMP: { code: 'UNAVAILABLE', text: 'Temporary failure, try again later' },
  BAD_INPUT: { code: 'CANNOT', text: 'Invalid request' },
  TOO_BIG: { code: 'TOOBIG', text: 'Message too big' },
  AUTH_FAILED: { code: 'AUTHENTICATIONFAILED', text: 'Authentication failed' },
  IN_USE: { code: 'INUSE', text: 'Mailbox is in use' },
  LIMIT: { code: 'LIMIT', text: 'Limit reached' },
  NOT_ALLOWED: { code: 'CANNOT', text: 'Operation not allowed' },
  CONFIG: { code: 'SERVERBUG', text: 'Internal server error' },
  INTERNAL: { code: 'SERVERBUG', text: 'Internal server error' },
};

/**
 * `missingTarget`: the failing mailbox is the destination of APPEND/COPY/MOVE, where RFC 9051 §6.3.12
 * asks for [TRYCREATE] instead of [NONEXISTENT].
 */
export function imapFailure(err: unknown, options: { missingTarget?: boolean } = {}): ImapFailure {
  const mail: MailError = toMailError(err);
  const entry = CODES[mail.code];
  const code = mail.code === 'NOT_FOUND' && options.missingTarget ? 'TRYCREATE' : entry.code;
  const internal = mail.code === 'INTERNAL' || mail.code === 'CONFIG';
  return { status: 'NO', code, text: mail.public && !internal ? oneLine(mail.message) : entry.text };
}

/** True if the error is ours to log loudly (a bug or an outage rather than a user mistake). */
export function isServerFault(err: unknown): boolean {
  const code = toMailError(err).code;
  return code === 'INTERNAL' || code === 'CONFIG' || code === 'TEMP';
}

/** Response text is a single line of printable text (RFC 9051 "text" excludes CR/LF). */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200) || 'Failed';
}
