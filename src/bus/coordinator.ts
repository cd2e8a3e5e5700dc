/**
 * What must be exclusive or counted across every process serving one store (src/server/cluster/README.md):
 * locks, counted slots, failure counters and single-runner roles, plus small signals. Implementations:
 * in-process (local-coordinator.ts), cluster workers through their primary (src/server/cluster), and
 * PostgreSQL nodes (postgres-coordinator.ts). Whatever a process holds is released when it dies.
 */

/** Gives back a lock or slot; idempotent. */
export type Release = () => void;

/** A failure counter's rule: failures older than windowMs (with none newer) are forgotten. */
export interface FailureRule {
  windowMs: number;
  /** Reaching `at` failures blocks the key for `ms`; null never blocks. */
  block: { at: number; ms: number } | null;
}

export interface FailureState {
  failures: number;
  /** 0 when not blocked (or the block has ended). */
  blockedUntil: number;
}

/** Windowed failure counters (the auth throttle), shared by every process. Times are ms since the epoch. */
export interface FailureCounters {
  /** Counts one failure for each key with its rule; returns each key's state after it. */
  bump(entries: ReadonlyArray<{ key: string; rule: FailureRule }>, now: number): Promise<FailureState[]>;
  /** The current state of each key (a finished block or a quiet window reads as no failures). */
  read(keys: readonly string[], windowMs: number, now: number): Promise<FailureState[]>;
  forget(keys: readonly string[]): Promise<void>;
}

/** A task only one process runs at a time. */
export interface RoleTask {
  /** Called when this process becomes the runner. */
  start(): void;
  /** Called when it stops being the runner (shutdown, or the role was lost); resolves when stopped. */
  stop(): Promise<void>;
}

export type SignalListener = (payload: string) => void;

export interface Coordinator {
  /** An exclusive lock on `name` across every process, or null when another holder has it. */
  tryLock(name: string): Promise<Release | null>;
  /** One of `limit` slots named `name`, or null when all are taken. */
  acquireSlot(name: string, limit: number): Promise<Release | null>;
  readonly failures: FailureCounters;
  /**
   * Runs `task` in exactly one process at a time (every process calls this with the same role); when
   * the runner dies, another one takes over. Returns a function that withdraws (stopping the task if
   * this process runs it).
   */
  lead(role: string, task: RoleTask): () => Promise<void>;
  /** Tells every process (this one included) about `topic`; best effort. */
  signal(topic: string, payload?: string): void;
  onSignal(topic: string, listener: SignalListener): () => void;
  close(): Promise<void>;
}
