/** Account logins as the CLI accepts them. */
import { UsageError } from './exit.js';

/** Logins are email addresses: local@domain, no spaces or control characters. */
export function normalizeLogin(text: string): string {
  const login = text.trim().toLowerCase();
  if (!/^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u.test(login)) {
    throw new UsageError(`'${text}' is not an email address (expected local@domain)`);
  }
  return login;
}
