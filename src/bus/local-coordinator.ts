/**
 * The Coordinator of a single process (coordinator.ts): locks, slots and roles are maps in memory.
 * Also the state the cluster primary keeps for all its workers: every method takes an optional owner,
 * and releaseOwner() drops everything a dead worker held.
 */
import type {
  Coordinator,
  FailureCounters,
  FailureRule,
  FailureState,
  Release,
  RoleTask,
  SignalListener,
} from './coordinator.js';
import { FailureTable } from './failure-table.js';
import { SignalListeners } from './signal-listeners.js';

interface RoleState {
  /** Candidates in the order they asked; the first one runs the task. */
  queue: Array<{ owner: string; task: RoleTask }>;
}

export class LocalCoordinator implements Coordinator {
  private readonly locks = new Map<string, string>();
  private readonly slots = new Map<string, Map<string, number>>();
  private readonly roles = new Map<string, RoleState>();
  private readonly listeners = new SignalListeners();
  private readonly table: FailureTable;
  readonly failures: FailureCounters;

  constructor(maxFailureEntries?: number) {
    this.table = new FailureTable(maxFailureEntries);
    this.failures = {
      bump: async (entries, now) => this.bumpSync(entries, now),
      read: async (keys, windowMs, now) => this.readSync(keys, windowMs, now),
      forget: async (keys) => this.forgetSync(keys),
    };
  }

  async tryLock(name: string): Promise<Release | null> {
    return this.tryLockFor('self', name);
  }

  async acquireSlot(name: string, limit: number): Promise<Release | null> {
    return this.acquireSlotFor('self', name, limit);
  }

  lead(role: string, task: RoleTask): () => Promise<void> {
    return this.leadFor('self', role, task);
  }

  signal(topic: string, payload = ''): void {
    this.listeners.deliver(topic, payload);
  }

  onSignal(topic: string, listener: SignalListener): () => void {
    return this.listeners.add(topic, listener);
  }

  async close(): Promise<void> {
    const stops: Promise<void>[] = [];
    for (const state of this.roles.values()) {
      const runner = state.queue[0];
      state.queue = [];
      if (runner) stops.push(runner.task.stop());
    }
    this.roles.clear();
    await Promise.all(stops);
  }

  // Owner-aware forms, used directly by the cluster primary (owner = worker id) --------------------

  bumpSync(entries: ReadonlyArray<{ key: string; rule: FailureRule }>, now: number): FailureState[] {
    return entries.map(({ key, rule }) => this.table.bump(key, rule, now));
  }

  readSync(keys: readonly string[], windowMs: number, now: number): FailureState[] {
    return keys.map((key) => this.table.read(key, windowMs, now));
  }

  forgetSync(keys: readonly string[]): void {
    for (const key of keys) this.table.forget(key);
  }

  tryLockFor(owner: string, name: string): Release | null {
    if (this.locks.has(name)) return null;
    this.locks.set(name, owner);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      if (this.locks.get(name) === owner) this.locks.delete(name);
    };
  }

  acquireSlotFor(owner: string, name: string, limit: number): Release | null {
    let byOwner = this.slots.get(name);
    let total = 0;
    for (const n of byOwner?.values() ?? []) total += n;
    if (total >= limit) return null;
    if (!byOwner) {
      byOwner = new Map();
      this.slots.set(name, byOwner);
    }
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      const map = this.slots.get(name);
      const left = (map?.get(owner) ?? 1) - 1;
      if (left > 0) map?.set(owner, left);
      else map?.delete(owner);
      if (map && map.size === 0) this.slots.delete(name);
    };
  }

  leadFor(owner: string, role: string, task: RoleTask): () => Promise<void> {
    let state = this.roles.get(role);
    if (!state) {
      state = { queue: [] };
      this.roles.set(role, state);
    }
    const entry = { owner, task };
    state.queue.push(entry);
    if (state.queue.length === 1) task.start();
    return async () => {
      const current = this.roles.get(role);
      if (!current) return;
      const index = current.queue.indexOf(entry);
      if (index === -1) return;
      current.queue.splice(index, 1);
      if (index === 0) {
        await task.stop();
        current.queue[0]?.task.start();
      }
    };
  }

  /** Drops the locks, slots and roles of an owner that is gone (a dead worker); roles pass on. */
  releaseOwner(owner: string): void {
    for (const [name, holder] of this.locks) if (holder === owner) this.locks.delete(name);
    for (const [name, byOwner] of this.slots) {
      byOwner.delete(owner);
      if (byOwner.size === 0) this.slots.delete(name);
    }
    for (const state of this.roles.values()) {
      const wasRunner = state.queue[0]?.owner === owner;
      state.queue = state.queue.filter((entry) => entry.owner !== owner);
      if (wasRunner) state.queue[0]?.task.start();
    }
  }
}
