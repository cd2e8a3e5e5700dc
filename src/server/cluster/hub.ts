/**
 * What the cluster primary does with its workers' messages (README.md beside this file), apart from
 * the processes themselves (primary.ts): relays changes and signals, and answers coordinator requests
 * from its one LocalCoordinator, remembering what each worker holds so a dead worker's locks, slots and
 * roles are released at once.
 */
import type { MailboxChange } from '../../bus/bus.js';
import type { PrimaryMessage, WorkerMessage } from '../../bus/cluster-messages.js';
import type { Release } from '../../bus/coordinator.js';
import { LocalCoordinator } from '../../bus/local-coordinator.js';

/** The hub's view of one worker: how to reach it, and what it holds. */
export interface HubWorker {
  readonly owner: string;
  send(message: PrimaryMessage): void;
}

interface Holdings {
  /** Locks and slots, by the id of the call that got them. */
  grants: Map<number, Release>;
  /** Roles asked for, by handle: withdrawing one. */
  roles: Map<number, () => Promise<void>>;
}

export class ClusterHub {
  private readonly coordinator = new LocalCoordinator();
  private readonly workers = new Map<HubWorker, Holdings>();
  /** Per mailbox, the highest modseq a worker announced: the change_log watcher skips those. */
  private readonly announced = new Map<number, number>();

  add(worker: HubWorker): void {
    this.workers.set(worker, { grants: new Map(), roles: new Map() });
  }

  /** A worker is gone: everything it held is free again; a role it ran passes to another worker. */
  remove(worker: HubWorker): void {
    this.workers.delete(worker);
    this.coordinator.releaseOwner(worker.owner);
  }

  /** A change committed by a process outside the cluster (found in change_log): to every worker. */
  externalChange(change: MailboxChange): void {
    if ((this.announced.get(change.mailboxId) ?? 0) >= change.modseq && !change.structural) return;
    this.broadcast({ postyard: 1, kind: 'change', change });
  }

  receive(worker: HubWorker, message: WorkerMessage): void {
    const held = this.workers.get(worker);
    if (!held) return;
    switch (message.kind) {
      case 'change': {
        const { change } = message;
        if (change.modseq > (this.announced.get(change.mailboxId) ?? 0)) {
          this.announced.set(change.mailboxId, change.modseq);
        }
        this.broadcast({ postyard: 1, kind: 'change', change }, worker);
        return;
      }
      case 'signal':
        this.broadcast({ postyard: 1, kind: 'signal', topic: message.topic, payload: message.payload });
        return;
      case 'call':
        worker.send({
          postyard: 1,
          kind: 'reply',
          id: message.id,
          result: this.answer(worker, held, message),
        });
        return;
      case 'release':
        held.grants.get(message.handle)?.();
        held.grants.delete(message.handle);
        return;
      case 'lead': {
        const handle = message.handle;
        const withdraw = this.coordinator.leadFor(worker.owner, message.role, {
          start: () => worker.send({ postyard: 1, kind: 'role', handle, run: true }),
          // The worker stops the task itself before it withdraws (cluster-coordinator.ts).
          stop: async () => worker.send({ postyard: 1, kind: 'role', handle, run: false }),
        });
        held.roles.set(handle, withdraw);
        return;
      }
      case 'withdraw':
        void held.roles.get(message.handle)?.();
        held.roles.delete(message.handle);
        return;
      case 'ready':
      case 'failed':
        return; // The primary's business (primary.ts).
    }
  }

  async close(): Promise<void> {
    await this.coordinator.close();
  }

  private answer(
    worker: HubWorker,
    held: Holdings,
    message: Extract<WorkerMessage, { kind: 'call' }>,
  ): unknown {
    const { call } = message;
    switch (call.op) {
      case 'tryLock':
      case 'acquireSlot': {
        const release =
          call.op === 'tryLock'
            ? this.coordinator.tryLockFor(worker.owner, call.name)
            : this.coordinator.acquireSlotFor(worker.owner, call.name, call.limit);
        if (!release) return false;
        held.grants.set(message.id, release);
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

  private broadcast(message: PrimaryMessage, except?: HubWorker): void {
    for (const worker of this.workers.keys()) if (worker !== except) worker.send(message);
  }
}
