/**
 * Exit codes (sysexits.h) and the one error type commands throw for a clean one-line failure.
 * Everything else thrown is mapped here too, so no command prints a stack trace.
 */
import { MailError } from '../lib/errors.js';
import { ValueError } from '../lib/values.js';

export const EX = {
  OK: 0,
  /** Problems found by a check (doctor) — not a usage or system failure. */
  PROBLEMS: 1,
  USAGE: 64,
  DATAERR: 65,
  NOINPUT: 66,
  NOUSER: 67,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  OSERR: 71,
  CANTCREAT: 73,
  IOERR: 74,
  TEMPFAIL: 75,
  NOPERM: 77,
  CONFIG: 78,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EX.USAGE);
  }
}

const MAIL_ERROR_EXIT: Record<string, number> = {
  NOT_FOUND: EX.NOUSER,
  EXISTS: EX.CANTCREAT,
  OVER_QUOTA: EX.CANTCREAT,
  TOO_BIG: EX.DATAERR,
  BAD_INPUT: EX.DATAERR,
  TEMP: EX.TEMPFAIL,
  IN_USE: EX.TEMPFAIL,
  LIMIT: EX.TEMPFAIL,
  NOT_ALLOWED: EX.NOPERM,
  AUTH_FAILED: EX.NOPERM,
  CONFIG: EX.CONFIG,
};

const ERRNO_EXIT: Record<string, number> = {
  ENOENT: EX.NOINPUT,
  EACCES: EX.NOPERM,
  EPERM: EX.NOPERM,
  EADDRINUSE: EX.UNAVAILABLE,
  EADDRNOTAVAIL: EX.UNAVAILABLE,
  ENOSPC: EX.IOERR,
  EIO: EX.IOERR,
};

export function exitCodeFor(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (err instanceof ValueError) return EX.USAGE;
  if (err instanceof MailError) return MAIL_ERROR_EXIT[err.code] ?? EX.SOFTWARE;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (code.startsWith('ERR_PARSE_ARGS')) return EX.USAGE;
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return EX.TEMPFAIL;
    if (ERRNO_EXIT[code] !== undefined) return ERRNO_EXIT[code];
  }
  return EX.SOFTWARE;
}

/** The one line shown to the user: the error's own message, first line only. */
export function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.trim() || 'unknown error';
}
