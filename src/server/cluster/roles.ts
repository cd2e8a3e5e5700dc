/**
 * Work that must run in one process only, whichever worker or node that is (README.md beside this
 * file): the outgoing queue runner. Every process asks the coordinator for the role; the one that gets
 * it runs a QueueRunner, the others wake it with a signal when they queue a message.
 */
import { EventEmitter } from 'node:events';
import type { Coordinator } from '../../bus/coordinator.js';
import type { QueuedMessage } from '../../store/store.js';
import type { QueueClock } from '../outgoing/clock.js';
import { QueueRunner, type QueueRunnerOptions } from '../outgoing/queue-runner.js';

export const OUTGOING_ROLE = 'outgoing-queue';
const WAKE_SIGNAL = 'outgoing-wake';

/** What sessions see of the outgoing queue (ServerContext.outgoing), wherever the runner is. */
export class OutgoingQueue {
  /** 'attempt' (AttemptReport) after each attempt this process made. */
  readonly events = new EventEmitter();
  private runner: QueueRunner | null = null;
  private readonly withdraw: () => Promise<void>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly options: QueueRunnerOptions & { clock: QueueClock },
    private readonly graceMs: () => number,
  ) {
    this.unsubscribe = coordinator.onSignal(WAKE_SIGNAL, () => this.runner?.wake());
    this.withdraw = coordinator.lead(OUTGOING_ROLE, {
      start: () => {
        const runner = new QueueRunner(this.options);
        runner.events.on('attempt', (report) => this.events.emit('attempt', report));
        this.runner = runner;
        runner.start();
      },
      stop: async () => {
        const runner = this.runner;
        this.runner = null;
        await runner?.close(this.graceMs());
      },
    });
  }

  /** Whether this process runs the queue now. */
  get running(): boolean {
    return this.runner !== null;
  }

  queued(message: QueuedMessage): void {
    if (this.runner) this.runner.queued(message);
    else this.coordinator.signal(WAKE_SIGNAL);
  }

  wake(): void {
    if (this.runner) this.runner.wake();
    else this.coordinator.signal(WAKE_SIGNAL);
  }

  now(): number {
    return this.options.clock.now();
  }

  async close(): Promise<void> {
    this.unsubscribe();
    await this.withdraw();
  }
}
