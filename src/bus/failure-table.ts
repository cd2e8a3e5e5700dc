/**
 * In-memory windowed failure counters (coordinator.ts FailureCounters): the table behind the auth
 * throttle in one process, and in the cluster primary for all its workers. Bounded: the key that failed
 * least recently is forgotten first.
 */
import type { FailureRule, FailureState } from './coordinator.js';

interface Entry {
  failures: number;
  lastFailure: number;
  blockedUntil: number;
}

export class FailureTable {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly maxEntries = 100_000) {}

  read(key: string, windowMs: number, now: number): FailureState {
    const entry = this.entries.get(key);
    if (!entry) return { failures: 0, blockedUntil: 0 };
    fresh(entry, windowMs, now);
    return { failures: entry.failures, blockedUntil: entry.blockedUntil };
  }

  bump(key: string, rule: FailureRule, now: number): FailureState {
    const entry = this.entries.get(key) ?? { failures: 0, lastFailure: now, blockedUntil: 0 };
    fresh(entry, rule.windowMs, now);
    entry.failures += 1;
    entry.lastFailure = now;
    if (rule.block && entry.failures >= rule.block.at) entry.blockedUntil = now + rule.block.ms;
    // Re-insert so Map order is least-recently-failed first, then bound the table.
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
    return { failures: entry.failures, blockedUntil: entry.blockedUntil };
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}

/** A finished block starts the count afresh; a quiet window forgets failures. */
function fresh(entry: Entry, windowMs: number, now: number): void {
  if (entry.blockedUntil !== 0 && entry.blockedUntil <= now) {
    entry.failures = 0;
    entry.blockedUntil = 0;
  } else if (entry.blockedUntil === 0 && now - entry.lastFailure > windowMs) {
    entry.failures = 0;
  }
}
