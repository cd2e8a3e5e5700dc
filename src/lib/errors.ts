/**
 * One small error tree with stable codes (see DESIGN.md "Conventions").
 * Protocols map these codes to their own replies in exactly one place each
 * (IMAP response codes, POP3 [SYS/TEMP], SMTP enhanced status codes).
 * `message` is for logs and the CLI; protocol layers never send it to a client
 * unless the subclass is marked `public`.
 */
export type MailErrorCode =
  | 'NOT_FOUND'
  | 'EXISTS'
  | 'OVER_QUOTA'
  | 'EXPUNGED'
  | 'TEMP'
  | 'BAD_INPUT'
  | 'TOO_BIG'
  | 'AUTH_FAILED'
  | 'IN_USE'
  | 'LIMIT'
  | 'NOT_ALLOWED'
  | 'CONFIG'
  | 'INTERNAL';

export class MailError extends Error {
  readonly code: MailErrorCode;
  /** True when `message` is written for end users and may be shown to a client. */
  readonly public: boolean;
  constructor(code: MailErrorCode, message: string, options?: { cause?: unknown; public?: boolean }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = code;
    this.public = options?.public ?? false;
  }
}

export class NotFoundError extends MailError {
  constructor(message: string, options?: { cause?: unknown; public?: boolean }) {
    super('NOT_FOUND', message, options);
  }
}
export class ExistsError extends MailError {
  constructor(message: string, options?: { cause?: unknown; public?: boolean }) {
    super('EXISTS', message, options);
  }
}
export class OverQuotaError extends MailError {
  constructor(message = 'Quota exceeded', options?: { cause?: unknown }) {
    super('OVER_QUOTA', message, { ...options, public: true });
  }
}
export class ExpungedError extends MailError {
  constructor(message = 'Message has been expunged', options?: { cause?: unknown }) {
    super('EXPUNGED', message, { ...options, public: true });
  }
}
export class TempError extends MailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TEMP', message, options);
  }
}
export class BadInputError extends MailError {
  constructor(message: string, options?: { cause?: unknown; public?: boolean }) {
    super('BAD_INPUT', message, { public: true, ...options });
  }
}
export class TooBigError extends MailError {
  constructor(message = 'Message too big', options?: { cause?: unknown }) {
    super('TOO_BIG', message, { ...options, public: true });
  }
}
export class AuthFailedError extends MailError {
  constructor(message = 'Authentication failed', options?: { cause?: unknown }) {
    super('AUTH_FAILED', message, { ...options, public: true });
  }
}
export class InUseError extends MailError {
  constructor(message = 'Mailbox is in use', options?: { cause?: unknown }) {
    super('IN_USE', message, { ...options, public: true });
  }
}
export class LimitError extends MailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('LIMIT', message, { ...options, public: true });
  }
}
export class NotAllowedError extends MailError {
  constructor(message: string, options?: { cause?: unknown; public?: boolean }) {
    super('NOT_ALLOWED', message, { public: true, ...options });
  }
}
export class ConfigError extends MailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG', message, { ...options, public: true });
  }
}

/** Normalises anything thrown into a MailError (unknown errors become INTERNAL, never public). */
export function toMailError(err: unknown): MailError {
  if (err instanceof MailError) return err;
  const e = err as { code?: string; message?: string } | undefined;
  // Transient OS/database conditions: the client may retry.
  if (
    e?.code &&
    ['SQLITE_BUSY', 'SQLITE_LOCKED', 'ENOSPC', 'EMFILE', 'ENFILE', 'EAGAIN', 'EIO'].includes(e.code)
  ) {
    return new TempError(e.message ?? String(err), { cause: err });
  }
  return new MailError('INTERNAL', e?.message ?? String(err), { cause: err });
}
