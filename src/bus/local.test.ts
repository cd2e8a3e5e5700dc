import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalBus } from './local.js';

test('a throwing listener is logged and the others still get the change', () => {
  const logged: string[] = [];
  const bus = new LocalBus({ error: (_fields, message) => logged.push(message) });
  const seen: number[] = [];
  bus.subscribeMailbox(1, () => {
    throw new Error('broken session');
  });
  bus.subscribeMailbox(1, (change) => seen.push(change.modseq));
  bus.subscribeAccount(9, (change) => seen.push(-change.modseq));
  bus.publish({ accountId: 9, mailboxId: 1, modseq: 5 });
  bus.publish({ accountId: 9, mailboxId: 1, modseq: 6 });
  assert.deepEqual(seen, [5, -5, 6, -6]);
  assert.deepEqual(logged, ['change notification listener failed'], 'the repeat is rate-limited');
});
