/**
 * A listener that could not bind. Typed, so the CLI can say which setting to change and who holds the
 * port instead of printing an errno (issue 14), for the IMAP/POP3 and the SMTP/LMTP listeners alike.
 */
import { ConfigError } from '../../lib/errors.js';

export class ListenError extends ConfigError {
  constructor(
    /** The config key under `listeners`: "imap", "submission", ... */
    readonly listener: string,
    readonly host: string,
    readonly port: number,
    /** The errno code: EADDRINUSE, EACCES, EADDRNOTAVAIL... */
    readonly errno: string,
    options?: { cause?: unknown },
  ) {
    super(`listeners.${listener}: cannot listen on ${host}:${port}: ${errno}`, options);
  }
}

export function listenError(listener: string, host: string, port: number, err: unknown): ListenError {
  const errno = (err as NodeJS.ErrnoException | null)?.code ?? String((err as Error)?.message ?? err);
  return new ListenError(listener, host, port, errno, { cause: err });
}
