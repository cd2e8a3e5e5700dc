/**
 * The Coordinator of a cluster worker: every request goes to the primary, which holds the one
 * LocalCoordinator for the machine (src/server/cluster/primary.ts) and drops whatever a worker held
 * when it dies. If the primary is gone, nothing can be granted: locks and slots are refused and failure
 * counters read as empty until the worker stops (it exits when its primary does).
 */
import type { CoordinatorCall, WorkerChannel } from './cluster-messages.js';
import type {
  Coordinator,
  FailureCounters,
  FailureState,
  Release,
  RoleTask,
  SignalListener,
} from './coordinator.js';
import { SignalListeners } from './signal-listeners.js';

interface RoleEntry {
  task: RoleTask;
  running: boolean;
  /** The task's stop() while it runs, so start/stop never overlap. */
  stopping: Promise<void> | null;
}

export class ClusterCoordinator implements Coordinator {
  readonly failures: FailureCounters;
  private nextId = 1;
  private readonly pending = new Map<number, (result: unknown) => void>();
  private readonly roles = new Map<number, RoleEntry>();
  private readonly listeners = new SignalListeners();
  private readonly unsubscribe: Array<() => void>;
  private closed = false;

  constructor(private readonly channel: WorkerChannel) {
    this.unsubscribe = [
      channel.onMessage((message) => {
        if (message.kind === 'reply') this.answered(message.id, message.result);
        else if (message.kind === 'role') this.roleChanged(message.handle, message.run);
        else if (message.kind === 'signal') this.listeners.deliver(message.topic, message.payload);
      }),
      channel.onClose(() => this.primaryGone()),
    ];
    this.failures = {
      bump: async (entries, now) =>
        states(await this.call({ op: 'bump', entries: [...entries], now }), entries.length),
      read: async (keys, windowMs, now) =>
        states(await this.call({ op: 'read', keys: [...keys], windowMs, now }), keys.length),
      forget: async (keys) => {
        await this.call({ op: 'forget', keys: [...keys] });
      },
    };
  }

  async tryLock(name: string): Promise<Release | null> {
    return this.grant({ op: 'tryLock', name });
  }

  async acquireSlot(name: string, limit: number): Promise<Release | null> {
    return this.grant({ op: 'acquireSlot', name, limit });
  }

  lead(role: string, task: RoleTask): () => Promise<void> {
    const handle = this.nextId++;
    const entry: RoleEntry = { task, running: false, stopping: null };
    this.roles.set(handle, entry);
    this.channel.send({ postyard: 1, kind: 'lead', handle, role });
    return async () => {
      if (!this.roles.delete(handle)) return;
      // Stopped here first, so the primary hands the role on only once this worker no longer runs it.
      await this.stopRole(entry);
      this.send({ postyard: 1, kind: 'withdraw', handle });
    };
  }

  signal(topic: string, payload = ''): void {
    // The primary sends it back to every worker, this one included.
    this.send({ postyard: 1, kind: 'signal', topic, payload });
  }

  onSignal(topic: string, listener: SignalListener): () => void {
    return this.listeners.add(topic, listener);
  }

  async close(): Promise<void> {
    const entries = [...this.roles.values()];
    this.roles.clear();
    await Promise.all(entries.map((entry) => this.stopRole(entry)));
    this.closed = true;
    for (const unsubscribe of this.unsubscribe) unsubscribe();
    this.primaryGone();
  }

  private async grant(call: CoordinatorCall): Promise<Release | null> {
    const id = this.nextId++;
    const granted = (await this.call(call, id)) === true;
    if (!granted) return null;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.send({ postyard: 1, kind: 'release', handle: id });
    };
  }

  private call(call: CoordinatorCall, id = this.nextId++): Promise<unknown> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      if (!this.send({ postyard: 1, kind: 'call', id, call })) this.answered(id, null);
    });
  }

  private send(message: Parameters<WorkerChannel['send']>[0]): boolean {
    if (this.closed) return false;
    try {
      this.channel.send(message);
      return true;
    } catch {
      return false; // The channel is closing: the primary is gone.
    }
  }

  private answered(id: number, result: unknown): void {
    const resolve = this.pending.get(id);
    this.pending.delete(id);
    resolve?.(result);
  }

  private roleChanged(handle: number, run: boolean): void {
    const entry = this.roles.get(handle);
    if (!entry) return;
    if (!run) {
      void this.stopRole(entry);
      return;
    }
    if (entry.running) return;
    const start = () => {
      if (!this.roles.has(handle) || entry.running) return;
      entry.running = true;
      entry.task.start();
    };
    if (entry.stopping) void entry.stopping.then(start);
    else start();
  }

  private stopRole(entry: RoleEntry): Promise<void> {
    if (!entry.running) return entry.stopping ?? Promise.resolve();
    entry.running = false;
    entry.stopping = entry.task.stop().finally(() => {
      entry.stopping = null;
    });
    return entry.stopping;
  }

  /** Whatever was asked and not answered is refused. */
  private primaryGone(): void {
    for (const resolve of this.pending.values()) resolve(null);
    this.pending.clear();
  }
}

/** The primary's answer, or "no failures" when it could not answer. */
function states(result: unknown, count: number): FailureState[] {
  if (Array.isArray(result) && result.length === count) return result as FailureState[];
  return Array.from({ length: count }, () => ({ failures: 0, blockedUntil: 0 }));
}
