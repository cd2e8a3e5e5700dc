import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalBus } from '../../bus/local.js';
import type { ChangesSince, Mailbox, MessageFlagsRecord, Store } from '../../store/store.js';
import { type IndexChange, MailboxIndexRegistry } from './shared-index.js';

/** Just enough of a store: a UID list with a modseq log. */
function fakeStore() {
  let modseq = 1;
  const uids: number[] = [1, 2, 3];
  const log: { modseq: number; uid: number; expunged: boolean; flags: string[] }[] = [];
  let indexLoads = 0;
  const mailbox = { id: 7, accountId: 1, name: 'INBOX', highestModseq: 1 } as Mailbox;
  const store = {
    async getIndex() {
      indexLoads++;
      return { mailbox: { ...mailbox, highestModseq: modseq }, uids: Uint32Array.from(uids) };
    },
    async changesSince(_id: number, since: number): Promise<ChangesSince> {
      const changed: MessageFlagsRecord[] = [];
      const expunged: number[] = [];
      for (const e of log) {
        if (e.modseq <= since) continue;
        if (e.expunged) expunged.push(e.uid);
        else changed.push({ uid: e.uid, modseq: e.modseq, flags: e.flags });
      }
      return { highestModseq: modseq, changed: changed.filter((c) => !expunged.includes(c.uid)), expunged };
    },
  } as unknown as Store;
  return {
    store,
    loads: () => indexLoads,
    add(uid: number) {
      uids.push(uid);
      log.push({ modseq: ++modseq, uid, expunged: false, flags: [] });
      return modseq;
    },
    flag(uid: number, flags: string[]) {
      log.push({ modseq: ++modseq, uid, expunged: false, flags });
      return modseq;
    },
    expunge(uid: number) {
      uids.splice(uids.indexOf(uid), 1);
      log.push({ modseq: ++modseq, uid, expunged: true, flags: [] });
      return modseq;
    },
  };
}

test('one index per mailbox; bus notifications become ordered changes; re-acquire reuses it', async () => {
  const fake = fakeStore();
  const bus = new LocalBus();
  const registry = new MailboxIndexRegistry(fake.store, bus);
  const [a, b] = await Promise.all([registry.acquire(7), registry.acquire(7)]);
  assert.equal(a, b);
  assert.equal(fake.loads(), 1);
  const seen: IndexChange[] = [];
  a.listen((c) => seen.push(c));

  bus.publish({ accountId: 1, mailboxId: 7, modseq: fake.add(4) });
  bus.publish({ accountId: 1, mailboxId: 7, modseq: fake.flag(2, ['\\Seen']) });
  bus.publish({ accountId: 1, mailboxId: 7, modseq: fake.expunge(1) });
  await a.catchUp();
  assert.deepEqual(Array.from(a.uids()), [2, 3, 4]);
  const merged = {
    added: seen.flatMap((c) => c.added),
    expunged: seen.flatMap((c) => c.expunged),
    flags: seen.flatMap((c) => c.flags).filter((f) => f.uid === 2),
  };
  assert.deepEqual(merged.added, [4]);
  assert.deepEqual(merged.expunged, [1]);
  assert.deepEqual(merged.flags.at(-1)?.flags, ['\\Seen']);

  registry.release(a);
  registry.release(b);
  const again = await registry.acquire(7);
  assert.equal(again, a, 'a recently released index is reused');
  assert.equal(fake.loads(), 1);
  registry.release(again);
  registry.close();
  assert.notEqual(await registry.acquire(7), a);
});

test('catchUp(true) pulls changes even when the notification was lost', async () => {
  const fake = fakeStore();
  const registry = new MailboxIndexRegistry(fake.store, new LocalBus());
  const index = await registry.acquire(7);
  fake.add(4);
  await index.catchUp();
  assert.deepEqual(Array.from(index.uids()), [1, 2, 3]);
  await index.catchUp(true);
  assert.deepEqual(Array.from(index.uids()), [1, 2, 3, 4]);
  registry.close();
});

test('a failed background refresh is logged (rate-limited), and the next catchUp gets the change', async () => {
  const fake = fakeStore();
  const logged: string[] = [];
  const bus = new LocalBus();
  const registry = new MailboxIndexRegistry(fake.store, bus, {
    error: (_f, message) => logged.push(message),
  });
  const index = await registry.acquire(7);
  const real = fake.store.changesSince.bind(fake.store);
  fake.store.changesSince = async () => {
    throw new Error('database is locked');
  };
  bus.publish({ accountId: 1, mailboxId: 7, modseq: fake.add(4) });
  bus.publish({ accountId: 1, mailboxId: 7, modseq: fake.add(5) });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(logged, ['refreshing a selected mailbox failed']);
  fake.store.changesSince = real;
  await index.catchUp(true);
  assert.deepEqual(Array.from(index.uids()), [1, 2, 3, 4, 5]);
  registry.close();
});
