/**
 * Error reports from places that must swallow an exception to keep going (a bus listener, a background
 * refresh, a publish after commit) but must not hide it: the first of a kind is logged at once, repeats
 * within `intervalMs` are counted and reported with the next line, so a failing loop cannot flood the log.
 */

/** What this needs of a logger (pino's Logger fits). */
export interface ErrorLog {
  error(fields: object, message: string): void;
}

interface Seen {
  loggedAt: number;
  suppressed: number;
}

/** Bound on distinct kinds remembered; the oldest is forgotten first. */
const MAX_KINDS = 256;

export class RateLimitedErrors {
  private readonly seen = new Map<string, Seen>();

  constructor(
    private readonly log: ErrorLog | undefined,
    private readonly intervalMs = 60_000,
    private readonly clock: { now(): number } = Date,
  ) {}

  /** Logs `err` as `message` unless the same message was logged less than intervalMs ago. */
  report(message: string, err: unknown, fields: object = {}): void {
    if (!this.log) return;
    const now = this.clock.now();
    const seen = this.seen.get(message);
    if (seen && now - seen.loggedAt < this.intervalMs) {
      seen.suppressed++;
      return;
    }
    const suppressed = seen?.suppressed ?? 0;
    this.seen.delete(message);
    this.seen.set(message, { loggedAt: now, suppressed: 0 });
    if (this.seen.size > MAX_KINDS) this.seen.delete(this.seen.keys().next().value as string);
    this.log.error({ ...fields, err, ...(suppressed > 0 ? { suppressed } : {}) }, message);
  }
}
