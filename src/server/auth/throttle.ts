/**
 * Brute-force throttling keyed by remote IP and by account login (issue 5, "Brute force"): every
 * failure grows the delay before the reply; `maxAuthFailures` failures block the key for
 * `authBlockSeconds`. Counters live in the server process, so reconnecting does not reset them; a
 * success resets the account's counter. Failures are forgotten after a quiet window.
 */
import { AUTH_BASE_DELAY_MS, AUTH_MAX_DELAY_MS, AUTH_THROTTLE_MAX_ENTRIES } from '../../lib/limits.js';

/** Failures older than this (without a newer one) no longer count. */
export const FAILURE_WINDOW_MS = 15 * 60_000;

export interface ThrottleSettings {
  maxFailures: number;
  blockMs: number;
}

export interface Clock {
  now(): number;
}

interface Entry {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

export type ThrottleVerdict = { blocked: false } | { blocked: true; retryAfterMs: number };

export class AuthThrottle {
  private readonly byIp = new Map<string, Entry>();
  private readonly byLogin = new Map<string, Entry>();

  /** `settings` is read on every call so a config reload applies at once. */
  constructor(
    private readonly settings: () => ThrottleSettings,
    private readonly clock: Clock = Date,
  ) {}

  /** Whether an attempt from `ip` for `login` may proceed at all. */
  check(ip: string, login: string): ThrottleVerdict {
    const now = this.clock.now();
    const until = Math.max(
      this.blockedUntil(this.byIp, ip, now),
      this.blockedUntil(this.byLogin, login, now),
    );
    return until > now ? { blocked: true, retryAfterMs: until - now } : { blocked: false };
  }

  /** Counts a failure for both keys; returns how long to wait before answering the client. */
  recordFailure(ip: string, login: string): { delayMs: number; failures: number; blocked: boolean } {
    const now = this.clock.now();
    const a = this.bump(this.byIp, ip, now);
    const b = this.bump(this.byLogin, login, now);
    const failures = Math.max(a.failures, b.failures);
    return { delayMs: delayFor(failures), failures, blocked: a.blocked || b.blocked };
  }

  /** A successful login clears the account's counter (the IP's decays on its own). */
  recordSuccess(login: string): void {
    this.byLogin.delete(login);
  }

  /** Current failure count for a key (tests, diagnostics). */
  failures(kind: 'ip' | 'login', key: string): number {
    const entry = (kind === 'ip' ? this.byIp : this.byLogin).get(key);
    return entry ? this.fresh(entry, this.clock.now()).failures : 0;
  }

  private blockedUntil(map: Map<string, Entry>, key: string, now: number): number {
    const entry = map.get(key);
    return entry ? this.fresh(entry, now).blockedUntil : 0;
  }

  private bump(map: Map<string, Entry>, key: string, now: number): { failures: number; blocked: boolean } {
    const entry = this.fresh(map.get(key) ?? { failures: 0, lastFailure: now, blockedUntil: 0 }, now);
    entry.failures += 1;
    entry.lastFailure = now;
    let blocked = false;
    if (entry.failures >= this.settings().maxFailures) {
      entry.blockedUntil = now + this.settings().blockMs;
      blocked = true;
    }
    // Re-insert so Map order is least-recently-failed first, then bound the table.
    map.delete(key);
    map.set(key, entry);
    if (map.size > AUTH_THROTTLE_MAX_ENTRIES) map.delete(map.keys().next().value as string);
    return { failures: entry.failures, blocked };
  }

  /** Applies expiry: a finished block starts the count afresh; a quiet window forgets failures. */
  private fresh(entry: Entry, now: number): Entry {
    if (entry.blockedUntil !== 0 && entry.blockedUntil <= now) {
      entry.failures = 0;
      entry.blockedUntil = 0;
    } else if (entry.blockedUntil === 0 && now - entry.lastFailure > FAILURE_WINDOW_MS) {
      entry.failures = 0;
    }
    return entry;
  }
}

/** 100 ms, 200 ms, 400 ms, ... capped at AUTH_MAX_DELAY_MS. */
export function delayFor(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(AUTH_BASE_DELAY_MS * 2 ** Math.min(failures - 1, 30), AUTH_MAX_DELAY_MS);
}
