/**
 * The cluster primary (README.md beside this file): forks the workers, restarts one that dies, hands
 * their messages to the hub (relay and coordination, hub.ts), and forwards SIGTERM/SIGHUP. It does no
 * mail work; the listening sockets are node:cluster's (it accepts and hands connections to workers
 * round-robin).
 */
import cluster, { type Worker } from 'node:cluster';
import type { Logger } from 'pino';
import type { MailboxChange } from '../../bus/bus.js';
import { isClusterMessage, type PrimaryMessage, type WorkerMessage } from '../../bus/cluster-messages.js';
import { ClusterHub, type HubWorker } from './hub.js';

export interface ClusterPrimaryOptions {
  workers: number;
  log: Logger;
}

/** A worker dying this soon after it was forked counts as a crash loop: its restart waits longer. */
const QUICK_DEATH_MS = 5_000;
const MAX_RESTART_DELAY_MS = 10_000;

interface WorkerState extends HubWorker {
  worker: Worker;
  forkedAt: number;
}

export class ClusterPrimary {
  private readonly hub = new ClusterHub();
  private readonly workers = new Map<number, WorkerState>();
  private stopping: Promise<void> | null = null;
  private quickDeaths = 0;
  private readyOnce: ((ports: Record<string, number>) => void) | null = null;
  private failedStart: ((code: number) => void) | null = null;
  /** What the first worker that could not start said. */
  private startFailure: { message: string; exitCode: number } | null = null;
  private everReady = false;

  constructor(private readonly options: ClusterPrimaryOptions) {}

  /**
   * Forks the workers; resolves with the first worker's bound ports once it listens, or rejects with
   * its exit code if a worker dies before any has started (a listener error, a broken config...).
   */
  start(): Promise<Record<string, number>> {
    const ready = new Promise<Record<string, number>>((resolve, reject) => {
      this.readyOnce = resolve;
      this.failedStart = (code) => reject(new WorkerStartError(code, this.startFailure?.message));
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
    this.hub.externalChange(change);
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
      await this.hub.close();
    })();
    return this.stopping;
  }

  private fork(): void {
    const worker = cluster.fork();
    const state: WorkerState = {
      worker,
      owner: `worker-${worker.id}`,
      forkedAt: Date.now(),
      send: (message: PrimaryMessage) => {
        // A worker that just died: its exit handler cleans up; the message does not matter any more.
        if (worker.isConnected()) worker.send(message, undefined, () => {});
      },
    };
    this.workers.set(worker.id, state);
    this.hub.add(state);
    worker.on('message', (message: unknown) => {
      if (!isClusterMessage<WorkerMessage>(message)) return;
      if (message.kind === 'ready') this.ready(state, message.ports);
      else if (message.kind === 'failed')
        this.startFailure ??= { message: message.message, exitCode: message.exitCode };
      else this.hub.receive(state, message);
    });
    worker.on('error', (err) => this.options.log.warn({ err, worker: worker.id }, 'worker channel error'));
    worker.once('exit', (code, signal) => this.exited(state, code, signal));
  }

  private ready(state: WorkerState, ports: Record<string, number>): void {
    this.everReady = true;
    this.quickDeaths = 0;
    this.options.log.info({ worker: state.worker.id, pid: state.worker.process.pid }, 'worker ready');
    this.readyOnce?.(ports);
    this.readyOnce = null;
  }

  private exited(state: WorkerState, code: number | null, signal: string | null): void {
    this.workers.delete(state.worker.id);
    this.hub.remove(state);
    if (this.stopping) return;
    this.options.log.warn({ worker: state.worker.id, code, signal }, 'worker exited; starting another');
    if (!this.everReady) {
      // It never started: the same config would fail again. Stop the others and report.
      this.failedStart?.(this.startFailure?.exitCode ?? code ?? 1);
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
}

/** A worker exited before any worker listened: the server cannot start. */
export class WorkerStartError extends Error {
  constructor(
    readonly exitCode: number,
    /** The worker's own one-line reason, when it sent one. */
    readonly reason?: string,
  ) {
    super(reason ?? `a worker exited with code ${exitCode} while starting`);
    this.name = 'WorkerStartError';
  }
}
