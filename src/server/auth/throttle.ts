/**
 * Brute-force throttling. Every failure grows the delay before the failure is answered (capped at
 * AUTH_MAX_DELAY_MS); hard blocks are only ever keyed by the attacker's address, never by the account
 * alone, so nobody can lock someone else out (issue 13):
 * - (address, login): `maxFailures` failures block that address for that account;
 * - address: AUTH_ADDRESS_FAILURE_FACTOR × `maxFailures` failures (any accounts) block the address;
 * - login: failures from every address only slow further failures down, never block the owner.
 * Counters live in the server process, so reconnecting does not reset them; a success resets the
 * account's counters. Failures are forgotten after a quiet window; a block lasts `blockMs`.
 */
import {
  AUTH_ADDRESS_FAILURE_FACTOR,
  AUTH_BASE_DELAY_MS,
  AUTH_MAX_DELAY_MS,
  AUTH_THROTTLE_MAX_ENTRIES,
} from '../../lib/limits.js';

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

export type ThrottleKey = 'ip' | 'ip+login' | 'login';

/** One counter table: failures per key, optionally blocking at a threshold. */
class FailureTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly clock: Clock) {}

  blockedUntil(key: string): number {
    const entry = this.entries.get(key);
    return entry ? this.fresh(entry, this.clock.now()).blockedUntil : 0;
  }

  failures(key: string): number {
    const entry = this.entries.get(key);
    return entry ? this.fresh(entry, this.clock.now()).failures : 0;
  }

  /** Counts one failure; with `block`, reaching `block.at` failures blocks the key for `block.ms`. */
  bump(key: string, block: { at: number; ms: number } | null): { failures: number; blocked: boolean } {
    const now = this.clock.now();
    const entry = this.fresh(
      this.entries.get(key) ?? { failures: 0, lastFailure: now, blockedUntil: 0 },
      now,
    );
    entry.failures += 1;
    entry.lastFailure = now;
    let blocked = false;
    if (block && entry.failures >= block.at) {
      entry.blockedUntil = now + block.ms;
      blocked = true;
    }
    // Re-insert so Map order is least-recently-failed first, then bound the table.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > AUTH_THROTTLE_MAX_ENTRIES)
      this.entries.delete(this.entries.keys().next().value as string);
    return { failures: entry.failures, blocked };
  }

  forget(key: string): void {
    this.entries.delete(key);
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

export class AuthThrottle {
  private readonly byIp: FailureTable;
  private readonly byIpLogin: FailureTable;
  private readonly byLogin: FailureTable;

  /** `settings` is read on every call so a config reload applies at once. */
  constructor(
    private readonly settings: () => ThrottleSettings,
    private readonly clock: Clock = Date,
  ) {
    this.byIp = new FailureTable(clock);
    this.byIpLogin = new FailureTable(clock);
    this.byLogin = new FailureTable(clock);
  }

  /** Whether an attempt from `ip` for `login` may proceed at all (only address-keyed blocks apply). */
  check(ip: string, login: string): ThrottleVerdict {
    const now = this.clock.now();
    const until = Math.max(this.byIp.blockedUntil(ip), this.byIpLogin.blockedUntil(pairKey(ip, login)));
    return until > now ? { blocked: true, retryAfterMs: until - now } : { blocked: false };
  }

  /** Counts a failure for every key; returns how long to wait before answering the client. */
  recordFailure(ip: string, login: string): { delayMs: number; failures: number; blocked: boolean } {
    const { maxFailures, blockMs } = this.settings();
    const address = this.byIp.bump(ip, { at: maxFailures * AUTH_ADDRESS_FAILURE_FACTOR, ms: blockMs });
    const pair = this.byIpLogin.bump(pairKey(ip, login), { at: maxFailures, ms: blockMs });
    const account = this.byLogin.bump(login, null);
    const failures = Math.max(address.failures, pair.failures, account.failures);
    return { delayMs: delayFor(failures), failures, blocked: address.blocked || pair.blocked };
  }

  /** A successful login clears the account's counters (the address's decays on its own). */
  recordSuccess(ip: string, login: string): void {
    this.byLogin.forget(login);
    this.byIpLogin.forget(pairKey(ip, login));
  }

  /** Current failure count for a key (tests, diagnostics); 'ip+login' takes "ip login". */
  failures(kind: ThrottleKey, key: string): number {
    if (kind === 'ip') return this.byIp.failures(key);
    if (kind === 'login') return this.byLogin.failures(key);
    const [ip = '', login = ''] = key.split(' ');
    return this.byIpLogin.failures(pairKey(ip, login));
  }
}

function pairKey(ip: string, login: string): string {
  return `${ip}\n${login}`;
}

/** 100 ms, 200 ms, 400 ms, ... capped at AUTH_MAX_DELAY_MS. */
export function delayFor(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(AUTH_BASE_DELAY_MS * 2 ** Math.min(failures - 1, 30), AUTH_MAX_DELAY_MS);
}
