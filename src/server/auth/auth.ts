/**
 * One authentication service for every protocol (issue "Security baseline").
 * Implementations: hash verification off the main thread, an auth cache, and brute-force throttling
 * keyed by IP and account.
 */
import type { Account } from '../../store/store.js';
import type { ScramKeys } from './scram.js';

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

/** Who is authenticating with SCRAM (no password reaches the server). */
export type ScramRequest = Omit<AuthRequest, 'password'>;

export type ScramLookup =
  /** `account` null: decoy keys (unknown login, or no keys yet), which no proof matches. */
  | { ok: true; keys: ScramKeys; account: Account | null }
  | { ok: false; reason: 'blocked' | 'temporary'; retryAfterMs?: number };

export interface AuthService {
  authenticate(request: AuthRequest): Promise<AuthResult>;
  /** SCRAM (server/auth/scram.ts), first half: the throttle check, then the login's stored keys. */
  scramKeys(request: ScramRequest): Promise<ScramLookup>;
  /** SCRAM, second half: a wrong proof counts and is delayed like a wrong password. */
  scramResult(request: ScramRequest, account: Account | null, proofOk: boolean): Promise<AuthResult>;
  /** Hashes a new password (scrypt), off the main thread. */
  hashPassword(password: string): Promise<string>;
  /** A new password's scrypt hash and SCRAM keys, for store.setPasswordHash (and after createAccount). */
  passwordRecord(password: string): Promise<{ passwordHash: string; scramSha256: string }>;
  /** Drops cached verifications for a login (password changed or account deleted). */
  invalidate(login: string): void;
}
