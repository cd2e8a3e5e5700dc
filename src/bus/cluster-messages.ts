/**
 * What cluster workers and their primary say to each other over node:cluster's IPC channel
 * (src/server/cluster/README.md). Every message carries `postyard: 1`, so node's own messages and any
 * other traffic are told apart. The channel is an interface so the bus and coordinator can be tested
 * without processes.
 */
import type { MailboxChange } from './bus.js';
import type { FailureRule } from './coordinator.js';

/** A coordinator request a worker makes and the primary answers with a `reply`. */
export type CoordinatorCall =
  | { op: 'tryLock'; name: string }
  | { op: 'acquireSlot'; name: string; limit: number }
  | { op: 'bump'; entries: Array<{ key: string; rule: FailureRule }>; now: number }
  | { op: 'read'; keys: string[]; windowMs: number; now: number }
  | { op: 'forget'; keys: string[] };

export type WorkerMessage =
  /** A change this worker committed, for the other workers. */
  | { postyard: 1; kind: 'change'; change: MailboxChange }
  | { postyard: 1; kind: 'signal'; topic: string; payload: string }
  | { postyard: 1; kind: 'call'; id: number; call: CoordinatorCall }
  /** Gives back a lock or slot `handle` (the id of the call that got it). */
  | { postyard: 1; kind: 'release'; handle: number }
  /** Asks to run `role`; the primary answers with `role` messages for `handle`. */
  | { postyard: 1; kind: 'lead'; handle: number; role: string }
  | { postyard: 1; kind: 'withdraw'; handle: number }
  /** The worker listens; its bound ports (the primary prints how to connect once). */
  | { postyard: 1; kind: 'ready'; ports: Record<string, number> }
  /** The worker could not start (a port in use...): the primary reports it once, with this exit code. */
  | { postyard: 1; kind: 'failed'; message: string; exitCode: number };

export type PrimaryMessage =
  | { postyard: 1; kind: 'change'; change: MailboxChange }
  | { postyard: 1; kind: 'signal'; topic: string; payload: string }
  /** `result`: a lock/slot granted (true/false), or the failure states of bump/read. */
  | { postyard: 1; kind: 'reply'; id: number; result: unknown }
  | { postyard: 1; kind: 'role'; handle: number; run: boolean };

/** One end of the IPC channel. */
export interface ClusterChannel<Out, In> {
  send(message: Out): void;
  /** Returns an unsubscribe function. */
  onMessage(listener: (message: In) => void): () => void;
  /** Called once when the other end is gone (the primary died or disconnected). */
  onClose(listener: () => void): () => void;
}

export type WorkerChannel = ClusterChannel<WorkerMessage, PrimaryMessage>;

export function isClusterMessage<T>(message: unknown): message is T {
  return (
    typeof message === 'object' && message !== null && (message as { postyard?: unknown }).postyard === 1
  );
}
