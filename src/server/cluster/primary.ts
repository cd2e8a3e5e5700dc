/**
 * The cluster primary (README.md beside this file): forks the workers, restarts one that dies, relays
 * the change bus and coordinator between them, and forwards SIGTERM/SIGHUP. It does no mail work; the
 * listening sockets are node:cluster's (it accepts and hands connections to workers round-robin).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { MailboxChange } from '../../bus/bus.js';
import { isClusterMessage, type PrimaryMessage, type WorkerMessage } from '../../bus/cluster-messages.js';
import type { Release } from '../../bus/coordinator.js';
import { LocalCoordinator } from '../../bus/local-coordinator.js';

export interface ClusterPrimaryOptions {
  workers: number;
  log: Logger;
  /** Environment added for the workers (tests mark them, for example). */
  env?: Record<string, string>;
}

/** A worker dying this soon after it was forked counts as a crash loop: its restart waits longer. */
const QUICK_DEATH_MS = 5_000;
const MAX_RESTART_DELAY_MS = 10_000;

interface WorkerState {
  worker: Worker;
  owner: string;
  forkedAt: number;
  /** Locks and slots this worker holds, by the id of the call that got them. */
  grants: Map<number, Release>;
  /** Roles it asked for, by handle: withdrawing one. */
  roles: Map<number, () => Promise<void>>;
}

export class ClusterPrimary {
  private readonly coordinator = new LocalCoordinator();
  private readonly workers = new Map<number, WorkerState>();
  /** Per mailbox, the highest modseq a worker announced: the change_log watcher skips those. */
  private readonly announced = new Map<number, number>();
  private stopping: Promise<void> | null = null;
  private quickDeaths = 0;
  private readyOnce: ((ports: Record<string, number>) => void) | null = null;
  private failedStart: ((code: number) => void) | null = null;
  private everReady = false;

  constructor(private readonly options: ClusterPrimaryOptions) {}

  /**
   * Forks the workers; resolves with the first worker's bound ports once it listens, or rejects with
   * its exit code if a worker dies before any has started (a listener error, a broken config...).
   */
  start(): Promise<Record<string, number>> {
    const ready = new Promise<Record<string, number>>((resolve, reject) => {
      this.readyOnce = resolve;
      this.failedStart = (code) => reject(new WorkerStartError(code));
    });
    for (let i = 0; i < this.options.workers; i++) this.fork();
    return ready;
  }

  /** Pids of the running workers (status output, tests). */
  workerPids(): number[] {
    return [...this.workers.values()].map((s) => s.worker.process.pid ?? 0).filter((pid) => pid > 0);
  }

  /** A change committed by a process outside the cluster (found in change_log): to every worker. */
  externalChange(change: MailboxChange): void {
    if ((this.announced.get(change.mailboxId) ?? 0) >= change.modseq && !change.structural) return;
    this.broadcast({ postyard: 1, kind: 'change', change });
  }

  /** SIGHUP: every worker reloads its config and certificate. */
  reload(): void {
    for (const { worker } of this.workers.values()) worker.process.kill('SIGHUP');
  }

  /** SIGTERM to every worker (each stops gracefully); resolves once all have exited. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const exits = [...this.workers.values()].map(
        ({ worker }) =>
          new Promise<void>((resolve) =>
            worker.isDead() ? resolve() : worker.once('exit', () => resolve()),
          ),
      );
      for (const { worker } of this.workers.values()) worker.process.kill('SIGTERM');
      await Promise.all(exits);
      await this.coordinator.close();
    })();
    return this.stopping;
  }

  private fork(): void {
    const worker = cluster.fork(this.options.env ?? {});
    const state: WorkerState = {
      worker,
      owner: `worker-${worker.id}`,
      forkedAt: Date.now(),
      grants: new Map(),
      roles: new Map(),
    };
    this.workers.set(worker.id, state);
    worker.on('message', (message: unknown) => {
      if (isClusterMessage<WorkerMessage>(message)) this.handle(state, message);
    });
    worker.on('error', (err) => this.options.log.warn({ err, worker: worker.id }, 'worker channel error'));
    worker.once('exit', (code, signal) => this.exited(state, code, signal));
  }

  private handle(state: WorkerState, message: WorkerMessage): void {
    switch (message.kind) {
      case 'change': {
        const { change } = message;
        if (change.modseq > (this.announced.get(change.mailboxId) ?? 0)) {
          this.announced.set(change.mailboxId, change.modseq);
        }
        this.broadcast({ postyard: 1, kind: 'change', change }, state);
        return;
      }
      case 'signal':
        this.broadcast({ postyard: 1, kind: 'signal', topic: message.topic, payload: message.payload });
        return;
      case 'call':
        this.send(state, { postyard: 1, kind: 'reply', id: message.id, result: this.answer(state, message) });
        return;
      case 'release':
        state.grants.get(message.handle)?.();
        state.grants.delete(message.handle);
        return;
      case 'lead': {
        const handle = message.handle;
        const withdraw = this.coordinator.leadFor(state.owner, message.role, {
          start: () => this.send(state, { postyard: 1, kind: 'role', handle, run: true }),
          // The worker stops the task itself before it withdraws (cluster-coordinator.ts).
          stop: async () => this.send(state, { postyard: 1, kind: 'role', handle, run: false }),
        });
        state.roles.set(handle, withdraw);
        return;
      }
      case 'withdraw':
        void state.roles.get(message.handle)?.();
        state.roles.delete(message.handle);
        return;
      case 'ready':
        this.everReady = true;
        this.quickDeaths = 0;
        this.options.log.info({ worker: state.worker.id, pid: state.worker.process.pid }, 'worker ready');
        this.readyOnce?.(message.ports);
        this.readyOnce = null;
        return;
    }
  }

  private answer(state: WorkerState, message: Extract<WorkerMessage, { kind: 'call' }>): unknown {
    const { call } = message;
    switch (call.op) {
      case 'tryLock':
      case 'acquireSlot': {
        const release =
          call.op === 'tryLock'
            ? this.coordinator.tryLockFor(state.owner, call.name)
            : this.coordinator.acquireSlotFor(state.owner, call.name, call.limit);
        if (!release) return false;
        state.grants.set(message.id, release);
        return true;
      }
      case 'bump':
        return this.coordinator.bumpSync(call.entries, call.now);
      case 'read':
        return this.coordinator.readSync(call.keys, call.windowMs, call.now);
      case 'forget':
        this.coordinator.forgetSync(call.keys);
        return true;
    }
  }

  private exited(state: WorkerState, code: number | null, signal: string | null): void {
    this.workers.delete(state.worker.id);
    // Everything the dead worker held is free again; a role it ran passes to another worker.
    this.coordinator.releaseOwner(state.owner);
    if (this.stopping) return;
    this.options.log.warn({ worker: state.worker.id, code, signal }, 'worker exited; starting another');
    if (!this.everReady) {
      // It never started: the same config would fail again. Stop the others and report.
      this.failedStart?.(code ?? 1);
      this.failedStart = null;
      void this.stop();
      return;
    }
    if (Date.now() - state.forkedAt < QUICK_DEATH_MS) this.quickDeaths++;
    const delay = this.quickDeaths === 0 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** this.quickDeaths);
    setTimeout(() => {
      if (!this.stopping) this.fork();
    }, delay).unref();
  }

  private broadcast(message: PrimaryMessage, except?: WorkerState): void {
    for (const state of this.workers.values()) if (state !== except) this.send(state, message);
  }

  private send(state: WorkerState, message: PrimaryMessage): void {
    if (!state.worker.isConnected()) return;
    // A worker that just died: its exit handler cleans up; the message does not matter any more.
    state.worker.send(message, undefined, () => {});
  }
}

/** A worker exited before any worker listened: the server cannot start. */
export class WorkerStartError extends Error {
  constructor(readonly exitCode: number) {
    super(`a worker exited with code ${exitCode} while starting`);
    this.name = 'WorkerStartError';
  }
}
