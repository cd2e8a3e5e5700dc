/**
 * Brute-force throttling. Every failure grows the delay before the failure is answered (capped at
 * AUTH_MAX_DELAY_MS); hard blocks are only ever keyed by the attacker's address, never by the account
 * alone, so nobody can lock someone else out (issue 13):
 * - (address, login): `maxFailures` failures block that address for that account;
 * - address: AUTH_ADDRESS_FAILURE_FACTOR × `maxFailures` failures (any accounts) block the address;
 * - login: failures from every address only slow further failures down, never block the owner.
 * Counters live in the coordinator (src/bus/coordinator.ts), so neither reconnecting nor landing on another
 * worker or node resets them; a success resets the account's counters. Failures are forgotten after a quiet window; a block lasts `blockMs`.
 */
import type { FailureCounters, FailureRule } from '../../bus/coordinator.js';
import { LocalCoordinator } from '../../bus/local-coordinator.js';
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

export type ThrottleVerdict = { blocked: false } | { blocked: true; retryAfterMs: number };

export type ThrottleKey = 'ip' | 'ip+login' | 'login';

export class AuthThrottle {
  /** `settings` is read on every call so a config reload applies at once. */
  constructor(
    private readonly settings: () => ThrottleSettings,
    private readonly clock: Clock = Date,
    private readonly counters: FailureCounters = new LocalCoordinator(AUTH_THROTTLE_MAX_ENTRIES).failures,
  ) {}

  /** Whether an attempt from `ip` for `login` may proceed at all (only address-keyed blocks apply). */
  async check(ip: string, login: string): Promise<ThrottleVerdict> {
    const now = this.clock.now();
    const states = await this.counters.read([ipKey(ip), pairKey(ip, login)], FAILURE_WINDOW_MS, now);
    const until = Math.max(...states.map((s) => s.blockedUntil));
    return until > now ? { blocked: true, retryAfterMs: until - now } : { blocked: false };
  }

  /** Counts a failure for every key; returns how long to wait before answering the client. */
  async recordFailure(
    ip: string,
    login: string,
  ): Promise<{ delayMs: number; failures: number; blocked: boolean }> {
    const { maxFailures, blockMs } = this.settings();
    const rule = (at: number | null): FailureRule => ({
      windowMs: FAILURE_WINDOW_MS,
      block: at === null ? null : { at, ms: blockMs },
    });
    const now = this.clock.now();
    const [address, pair, account] = await this.counters.bump(
      [
        { key: ipKey(ip), rule: rule(maxFailures * AUTH_ADDRESS_FAILURE_FACTOR) },
        { key: pairKey(ip, login), rule: rule(maxFailures) },
        { key: loginKey(login), rule: rule(null) },
      ],
      now,
    );
    const failures = Math.max(address!.failures, pair!.failures, account!.failures);
    const blocked = address!.blockedUntil > now || pair!.blockedUntil > now;
    return { delayMs: delayFor(failures), failures, blocked };
  }

  /** A successful login clears the account's counters (the address's decays on its own). */
  async recordSuccess(ip: string, login: string): Promise<void> {
    await this.counters.forget([loginKey(login), pairKey(ip, login)]);
  }

  /** Current failure count for a key (tests, diagnostics); 'ip+login' takes "ip login". */
  async failures(kind: ThrottleKey, key: string): Promise<number> {
    let counter: string;
    if (kind === 'ip') counter = ipKey(key);
    else if (kind === 'login') counter = loginKey(key);
    else {
      const [ip = '', login = ''] = key.split(' ');
      counter = pairKey(ip, login);
    }
    const [state] = await this.counters.read([counter], FAILURE_WINDOW_MS, this.clock.now());
    return state!.failures;
  }
}

function ipKey(ip: string): string {
  return `auth-ip\n${ip}`;
}

function pairKey(ip: string, login: string): string {
  return `auth-pair\n${ip}\n${login}`;
}

function loginKey(login: string): string {
  return `auth-login\n${login}`;
}

/** 100 ms, 200 ms, 400 ms, ... capped at AUTH_MAX_DELAY_MS. */
export function delayFor(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(AUTH_BASE_DELAY_MS * 2 ** Math.min(failures - 1, 30), AUTH_MAX_DELAY_MS);
}
