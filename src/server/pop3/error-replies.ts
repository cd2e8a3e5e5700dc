/**
 * The one place where errors become POP3 replies (RFC 2449 8, RFC 3206). Internal details go to the
 * log; the client sees a fixed text, or the error's own message only when it is marked public.
 */
import type { Logger } from 'pino';
import { toMailError } from '../../lib/errors.js';
import { errLine } from '../../protocol/pop3/response.js';

export function errorReply(err: unknown, log: Logger, action: string): string {
  const error = toMailError(err);
  const cause = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (error.code) {
    case 'IN_USE':
      return errLine(error.message, 'IN-USE');
    case 'AUTH_FAILED':
      return errLine(error.message, 'AUTH');
    case 'TEMP':
      log.warn({ err, action }, 'temporary failure');
      return errLine('Temporary server failure, try again later', 'SYS/TEMP');
    case 'LIMIT':
      return errLine(error.message, 'SYS/TEMP');
    case 'EXPUNGED':
    case 'NOT_FOUND':
      return errLine('Message was removed by another session');
    case 'BAD_INPUT':
    case 'NOT_ALLOWED':
      return errLine(error.public ? error.message : 'Not allowed');
    default:
      log.error({ err, action }, 'internal error');
      if (cause === 'ENOENT') return errLine('Message content is not available', 'SYS/PERM');
      return errLine('Internal server error', 'SYS/PERM');
  }
}
