/**
 * One authentication service for every protocol (issue "Security baseline").
 * Implementations: hash verification off the main thread, an auth cache, and brute-force throttling
 * keyed by IP and account.
 */
import type { Account } from '../../store/store.js';

export interface AuthRequest {
  login: string;
  password: string;
  /** Remote IP of the connection (for throttling and logs). */
  remoteAddress: string;
  protocol: 'imap' | 'pop3' | 'smtp' | 'lmtp' | 'cli' | 'web';
}

export type AuthResult =
  | { ok: true; account: Account }
  /** `retryAfterMs` set when the IP or account is temporarily blocked. */
  | { ok: false; reason: 'invalid' | 'blocked' | 'temporary'; retryAfterMs?: number };

export interface AuthService {
  authenticate(request: AuthRequest): Promise<AuthResult>;
  /** Hashes a new password (scrypt), off the main thread. */
  hashPassword(password: string): Promise<string>;
  /** Drops cached verifications for a login (password changed or account deleted). */
  invalidate(login: string): void;
}
