import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCoordinator } from './local-coordinator.js';

test('locks are exclusive until released; slots count up to their limit', async () => {
  const c = new LocalCoordinator();
  const lock = await c.tryLock('pop3-maildrop:1');
  assert.ok(lock);
  assert.equal(await c.tryLock('pop3-maildrop:1'), null);
  assert.ok(await c.tryLock('pop3-maildrop:2'), 'another name');
  lock();
  lock();
  assert.ok(await c.tryLock('pop3-maildrop:1'), 'free again');
  const a = await c.acquireSlot('imap:1', 2);
  const b = await c.acquireSlot('imap:1', 2);
  assert.ok(a && b);
  assert.equal(await c.acquireSlot('imap:1', 2), null);
  a();
  a();
  assert.ok(await c.acquireSlot('imap:1', 2));
  assert.equal(await c.acquireSlot('imap:1', 2), null);
});

test('a role runs in its first candidate; it passes on when that one withdraws or its owner is gone', async () => {
  const c = new LocalCoordinator();
  const log: string[] = [];
  const task = (name: string) => ({
    start: () => log.push(`start ${name}`),
    stop: async () => {
      log.push(`stop ${name}`);
    },
  });
  const withdrawA = c.leadFor('w1', 'queue', task('a'));
  c.leadFor('w2', 'queue', task('b'));
  c.leadFor('w3', 'queue', task('c'));
  assert.deepEqual(log, ['start a']);
  await withdrawA();
  assert.deepEqual(log, ['start a', 'stop a', 'start b']);
  c.releaseOwner('w2');
  assert.deepEqual(log, ['start a', 'stop a', 'start b', 'start c'], 'a dead owner is not asked to stop');
  const held = c.tryLockFor('w3', 'x');
  assert.ok(held);
  assert.ok(c.acquireSlotFor('w3', 's', 1));
  c.releaseOwner('w3');
  assert.ok(c.tryLockFor('w4', 'x'), "the dead owner's lock is free");
  assert.ok(c.acquireSlotFor('w4', 's', 1), 'and its slot');
});

test('failure counters block at their threshold and forget after the window', async () => {
  const c = new LocalCoordinator();
  const rule = { windowMs: 1000, block: { at: 2, ms: 500 } };
  const [first] = await c.failures.bump([{ key: 'k', rule }], 0);
  assert.deepEqual(first, { failures: 1, blockedUntil: 0 });
  const [second] = await c.failures.bump([{ key: 'k', rule }], 10);
  assert.deepEqual(second, { failures: 2, blockedUntil: 510 });
  assert.deepEqual(await c.failures.read(['k'], 1000, 509), [{ failures: 2, blockedUntil: 510 }]);
  assert.deepEqual(await c.failures.read(['k'], 1000, 510), [{ failures: 0, blockedUntil: 0 }]);
  await c.failures.bump([{ key: 'q', rule: { windowMs: 100, block: null } }], 0);
  assert.deepEqual(await c.failures.read(['q'], 100, 101), [{ failures: 0, blockedUntil: 0 }]);
});
