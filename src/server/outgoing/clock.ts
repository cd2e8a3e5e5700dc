/**
 * Time for the queue runner: when work is due, and the timer that wakes it then. Tests inject a clock
 * they move by hand, so the retry schedule and expiry are tested without waiting.
 */
export interface QueueClock {
  now(): number;
  /** Calls `fn` once `ms` have passed on this clock; returns a cancel function. */
  setTimer(fn: () => void, ms: number): () => void;
}

export const systemClock: QueueClock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // setTimeout's limit is 2^31-1 ms (24.8 days); a longer wait just wakes earlier and re-checks.
    const timer = setTimeout(fn, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/** A clock for tests: time moves only with advance(), which fires the timers that came due. */
export class ManualQueueClock implements QueueClock {
  private timers: Array<{ at: number; fn: () => void }> = [];

  constructor(private time: number) {}

  now(): number {
    return this.time;
  }

  setTimer(fn: () => void, ms: number): () => void {
    // Already due (the clock moved on while the caller was computing): fire at once, as a real clock would.
    if (ms <= 0) {
      const immediate = setImmediate(fn);
      return () => clearImmediate(immediate);
    }
    const timer = { at: this.time + ms, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const timer of due) timer.fn();
  }
}
