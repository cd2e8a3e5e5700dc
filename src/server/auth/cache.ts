/**
 * Auth cache: remembers that (login, password) verified against a given stored hash, so repeated logins
 * skip scrypt. The password itself is never kept: the key is a keyed hash (HMAC with a per-process
 * random key). An entry only counts while the stored hash is unchanged, so a password change made by
 * another process (the CLI) takes effect immediately even without invalidate().
 */
import { createHmac, randomBytes } from 'node:crypto';
import { AUTH_CACHE_MAX_ENTRIES, AUTH_CACHE_TTL_MS } from '../../lib/limits.js';
import type { Clock } from './throttle.js';

interface Entry {
  passwordHash: string;
  expires: number;
}

export class AuthCache {
  private readonly secret = randomBytes(32);
  /** login → (password fingerprint → entry). */
  private readonly byLogin = new Map<string, Map<string, Entry>>();
  private size = 0;

  constructor(
    private readonly clock: Clock = Date,
    private readonly ttlMs = AUTH_CACHE_TTL_MS,
    private readonly maxEntries = AUTH_CACHE_MAX_ENTRIES,
  ) {}

  /** True if this password was verified against exactly `passwordHash` within the TTL. */
  has(login: string, password: string, passwordHash: string): boolean {
    const entries = this.byLogin.get(login);
    const entry = entries?.get(this.fingerprint(login, password));
    if (!entry) return false;
    if (entry.expires <= this.clock.now() || entry.passwordHash !== passwordHash) {
      this.drop(login, this.fingerprint(login, password));
      return false;
    }
    return true;
  }

  add(login: string, password: string, passwordHash: string): void {
    if (this.size >= this.maxEntries) this.evictOldestLogin();
    const entries = this.byLogin.get(login) ?? new Map<string, Entry>();
    this.byLogin.set(login, entries);
    const key = this.fingerprint(login, password);
    if (!entries.has(key)) this.size += 1;
    entries.set(key, { passwordHash, expires: this.clock.now() + this.ttlMs });
  }

  /** Forgets every cached verification of `login` (password changed, account deleted). */
  invalidate(login: string): void {
    this.size -= this.byLogin.get(login)?.size ?? 0;
    this.byLogin.delete(login);
  }

  get entryCount(): number {
    return this.size;
  }

  private drop(login: string, key: string): void {
    const entries = this.byLogin.get(login);
    if (entries?.delete(key)) this.size -= 1;
    if (entries && entries.size === 0) this.byLogin.delete(login);
  }

  private evictOldestLogin(): void {
    const oldest = this.byLogin.keys().next();
    if (!oldest.done) this.invalidate(oldest.value);
  }

  private fingerprint(login: string, password: string): string {
    return createHmac('sha256', this.secret).update(login).update('\0').update(password).digest('base64');
  }
}
