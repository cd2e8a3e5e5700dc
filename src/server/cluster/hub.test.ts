/**
 * Workers' ClusterCoordinator and ClusterBus against the primary's hub, over in-memory channels that
 * deliver asynchronously like IPC: what one worker holds is refused to the other and freed when it
 * dies, a role runs in one worker and moves, changes and signals reach the right workers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MailboxChange } from '../../bus/bus.js';
import { ClusterBus } from '../../bus/cluster.js';
import { ClusterCoordinator } from '../../bus/cluster-coordinator.js';
import type { PrimaryMessage, WorkerChannel } from '../../bus/cluster-messages.js';
import { ClusterHub, type HubWorker } from './hub.js';

interface FakeWorker {
  hubSide: HubWorker;
  coordinator: ClusterCoordinator;
  bus: ClusterBus;
  /** Closes the channel, as the process dying does. */
  die(): void;
}

function connectWorker(hub: ClusterHub, owner: string): FakeWorker {
  const listeners = new Set<(message: PrimaryMessage) => void>();
  const closeListeners = new Set<() => void>();
  let alive = true;
  const hubSide: HubWorker = {
    owner,
    send: (message) =>
      setImmediate(() => {
        if (!alive) return;
        for (const l of listeners) l(message);
      }),
  };
  const channel: WorkerChannel = {
    send: (message) => {
      if (!alive) throw new Error('channel closed');
      setImmediate(() => alive && hub.receive(hubSide, message));
    },
    onMessage: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    onClose: (listener) => {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
  hub.add(hubSide);
  return {
    hubSide,
    coordinator: new ClusterCoordinator(channel),
    bus: new ClusterBus(channel),
    die() {
      alive = false;
      hub.remove(hubSide);
      for (const l of closeListeners) l();
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await turn();
}

describe('cluster hub with worker coordinators', () => {
  it('a lock or slot one worker holds is refused to the other, and freed by release or death', async () => {
    const hub = new ClusterHub();
    const a = connectWorker(hub, 'a');
    const b = connectWorker(hub, 'b');
    const lock = await a.coordinator.tryLock('pop3-maildrop:1');
    assert.ok(lock);
    assert.equal(await b.coordinator.tryLock('pop3-maildrop:1'), null);
    lock();
    await settle();
    const again = await b.coordinator.tryLock('pop3-maildrop:1');
    assert.ok(again, 'released by the holder');

    assert.ok(await a.coordinator.acquireSlot('imap:7', 2));
    assert.ok(await b.coordinator.acquireSlot('imap:7', 2));
    assert.equal(await b.coordinator.acquireSlot('imap:7', 2), null, 'two slots in all, not per worker');
    b.die();
    const c = connectWorker(hub, 'c');
    assert.ok(await c.coordinator.tryLock('pop3-maildrop:1'), 'a dead worker’s lock is free');
    assert.ok(await c.coordinator.acquireSlot('imap:7', 2), 'and its slot');
    assert.equal(await c.coordinator.acquireSlot('imap:7', 2), null);
  });

  it('failure counters are shared by every worker', async () => {
    const hub = new ClusterHub();
    const a = connectWorker(hub, 'a');
    const b = connectWorker(hub, 'b');
    const rule = { windowMs: 60_000, block: { at: 3, ms: 1_000 } };
    await a.coordinator.failures.bump([{ key: 'k', rule }], 1_000);
    await b.coordinator.failures.bump([{ key: 'k', rule }], 1_001);
    const [third] = await a.coordinator.failures.bump([{ key: 'k', rule }], 1_002);
    assert.deepEqual(third, { failures: 3, blockedUntil: 2_002 });
    assert.deepEqual(await b.coordinator.failures.read(['k'], 60_000, 1_003), [third]);
    await b.coordinator.failures.forget(['k']);
    assert.deepEqual(await a.coordinator.failures.read(['k'], 60_000, 1_004), [
      { failures: 0, blockedUntil: 0 },
    ]);
  });

  it('a role runs in one worker; it moves when that worker withdraws or dies', async () => {
    const hub = new ClusterHub();
    const running: string[] = [];
    const task = (name: string) => ({
      start: () => running.push(name),
      stop: async () => {
        running.splice(running.indexOf(name), 1);
      },
    });
    const a = connectWorker(hub, 'a');
    const b = connectWorker(hub, 'b');
    const c = connectWorker(hub, 'c');
    const withdrawA = a.coordinator.lead('outgoing-queue', task('a'));
    await settle();
    b.coordinator.lead('outgoing-queue', task('b'));
    c.coordinator.lead('outgoing-queue', task('c'));
    await settle();
    assert.deepEqual(running, ['a']);
    await withdrawA();
    await settle();
    assert.deepEqual(running, ['b'], 'handed on once a stopped');
    b.die();
    await settle();
    assert.deepEqual(running.at(-1), 'c', 'a dead runner’s role passes on');
  });

  it('changes reach the other workers once; change_log finds only what no worker announced', async () => {
    const hub = new ClusterHub();
    const a = connectWorker(hub, 'a');
    const b = connectWorker(hub, 'b');
    const seenA: MailboxChange[] = [];
    const seenB: MailboxChange[] = [];
    a.bus.subscribeMailbox(5, (change) => seenA.push(change));
    b.bus.subscribeMailbox(5, (change) => seenB.push(change));
    a.bus.publish({ accountId: 1, mailboxId: 5, modseq: 10 });
    await settle();
    assert.deepEqual(seenA, [{ accountId: 1, mailboxId: 5, modseq: 10 }], 'the writer hears itself once');
    assert.deepEqual(seenB, seenA);
    hub.externalChange({ accountId: 1, mailboxId: 5, modseq: 10 });
    hub.externalChange({ accountId: 1, mailboxId: 5, modseq: 11 });
    await settle();
    assert.deepEqual(
      seenB.map((c) => c.modseq),
      [10, 11],
      'an announced change is not repeated from change_log',
    );
    assert.deepEqual(
      seenA.map((c) => c.modseq),
      [10, 11],
    );
  });

  it('a signal reaches every worker, the sender included', async () => {
    const hub = new ClusterHub();
    const a = connectWorker(hub, 'a');
    const b = connectWorker(hub, 'b');
    const got: string[] = [];
    a.coordinator.onSignal('auth-invalidate', (p) => got.push(`a:${p}`));
    b.coordinator.onSignal('auth-invalidate', (p) => got.push(`b:${p}`));
    a.coordinator.signal('auth-invalidate', 'x@example.org');
    await settle();
    assert.deepEqual(got.sort(), ['a:x@example.org', 'b:x@example.org']);
  });
});
