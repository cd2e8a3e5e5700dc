/** What a sync run can fail with, beyond the shared MailError tree (src/lib/errors.ts). */
import { MailError, TempError } from '../lib/errors.js';

/** The server broke its protocol (duplicate UIDLs, a malformed reply): nothing is deleted or trusted. */
export class ServerProtocolError extends MailError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BAD_INPUT', message, { ...options, public: true });
  }
}

/** The server could not be reached or the connection broke: local changes stay pending. */
export class UnreachableError extends TempError {}

/** The server lacks something this account's settings need (UIDL for leave-on-server, UIDPLUS…). */
export class UnsupportedError extends MailError {
  constructor(message: string) {
    super('NOT_ALLOWED', message, { public: true });
  }
}
