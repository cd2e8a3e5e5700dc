/**
 * The WAL fsync runs off the event loop (committer.ts): a write must not be acknowledged, nor announced
 * on the bus, before the fdatasync that began after its COMMIT has finished. The sync is replaced by one
 * the test finishes by hand, so "before" is a fact of the test, not of timing.
 */
import assert from 'node:assert/strict';
import { EventEmitter, once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MailboxChange } from '../../bus/bus.js';
import { LocalBus } from '../../bus/local.js';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import type { WalSync } from './committer.js';
import { DATABASE_FILE } from './database.js';
import { openSqliteStore, type SqliteStore } from './index.js';

/** A WAL sync that waits for the test: each call emits 'sync' with its finish(error?) function. */
function manualSync(): { sync: WalSync; events: EventEmitter; calls: number } {
  const events = new EventEmitter();
  const state = {
    events,
    calls: 0,
    sync: () =>
      new Promise<void>((resolve, reject) => {
        state.calls++;
        events.emit('sync', (error?: Error) => (error ? reject(error) : resolve()));
      }),
  };
  return state;
}

type Finish = (error?: Error) => void;

async function withStore(
  walSync: WalSync | undefined,
  body: (store: SqliteStore, bus: LocalBus, inbox: { accountId: number; mailboxId: number }) => Promise<void>,
): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-wal-'));
  const bus = new LocalBus();
  // The account is created with the real sync, then the store is reopened with the test's.
  const setup = await openSqliteStore({ dataDir });
  const alice = await setup.createAccount('a@x.org', 'h');
  const mailboxId = (await setup.getMailbox(alice.id, 'INBOX'))!.id;
  await setup.close();
  const store = await openSqliteStore({ dataDir, bus, ...(walSync ? { walSync } : {}) });
  try {
    await body(store, bus, { accountId: alice.id, mailboxId });
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** Settles after every pending callback of this turn and the next (a commit is scheduled by setImmediate). */
const turns = async (n = 3) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

function track<T>(promise: Promise<T>): { settled: boolean; promise: Promise<T> } {
  const t = { settled: false, promise };
  promise.then(
    () => (t.settled = true),
    () => (t.settled = true),
  );
  return t;
}

describe('sqlite WAL sync off the event loop', () => {
  it('acknowledges a write only after the WAL sync that follows its commit', async () => {
    const manual = manualSync();
    await withStore(manual.sync, async (store, bus, { accountId, mailboxId }) => {
      const published: MailboxChange[] = [];
      bus.subscribeMailbox(mailboxId, (change) => published.push(change));
      const blob = await store.blobs.put(sampleMessage('first'));
      const syncStarted = once(manual.events, 'sync');
      const append = track(store.append({ accountId, mailboxId, blob, meta: sampleMeta() }));
      const [finish] = (await syncStarted) as [Finish];
      // Committed (a reader sees it) but not yet durable: neither acknowledged nor announced.
      assert.equal(store.commitStats().commits, 1);
      await turns();
      assert.equal(append.settled, false, 'the append resolved before its WAL sync finished');
      assert.equal(published.length, 0, 'the bus heard of the change before its WAL sync finished');
      finish();
      const result = await append.promise;
      assert.equal(result.uid, 1);
      assert.deepEqual(
        published.map((c) => c.modseq),
        [result.modseq],
      );
      assert.equal(store.commitStats().syncs, 1);
    });
  });

  it('a commit made while a sync runs waits for the next sync', async () => {
    const manual = manualSync();
    await withStore(manual.sync, async (store, _bus, { accountId, mailboxId }) => {
      const [a, b] = await Promise.all(['a', 'b'].map((n) => store.blobs.put(sampleMessage(n))));
      const firstSync = once(manual.events, 'sync');
      const first = track(store.append({ accountId, mailboxId, blob: a!, meta: sampleMeta() }));
      const [finishFirst] = (await firstSync) as [Finish];
      const second = track(store.append({ accountId, mailboxId, blob: b!, meta: sampleMeta() }));
      // The second batch commits in a later turn, while the first sync is still running.
      while (store.commitStats().commits < 2) await turns(1);
      assert.equal(manual.calls, 1, 'no second sync while one is running');
      const secondSync = once(manual.events, 'sync');
      finishFirst();
      await first.promise;
      const [finishSecond] = (await secondSync) as [Finish];
      await turns();
      assert.equal(second.settled, false, 'a sync that began before a commit acknowledged it');
      finishSecond();
      assert.equal((await second.promise).uid, 2);
    });
  });

  it('fails the writes of a failed sync with TEMP, and the next write succeeds', async () => {
    const manual = manualSync();
    await withStore(manual.sync, async (store, _bus, { accountId, mailboxId }) => {
      const blob = await store.blobs.put(sampleMessage('lost'));
      const failing = once(manual.events, 'sync');
      const append = store.append({ accountId, mailboxId, blob, meta: sampleMeta() });
      const [finish] = (await failing) as [Finish];
      finish(Object.assign(new Error('EIO'), { code: 'EIO' }));
      await assert.rejects(append, (err: { code?: string }) => err.code === 'TEMP');
      const next = once(manual.events, 'sync');
      const retry = store.append({ accountId, mailboxId, blob, meta: sampleMeta() });
      const [ok] = (await next) as [Finish];
      ok();
      assert.ok((await retry).uid > 0);
    });
  });

  it('close() waits for a running sync before closing the database', async () => {
    const manual = manualSync();
    await withStore(manual.sync, async (store, _bus, { accountId, mailboxId }) => {
      const blob = await store.blobs.put(sampleMessage('closing'));
      const syncStarted = once(manual.events, 'sync');
      const append = track(store.append({ accountId, mailboxId, blob, meta: sampleMeta() }));
      const [finish] = (await syncStarted) as [Finish];
      const closed = track(store.close());
      await turns();
      assert.equal(closed.settled, false, 'the database closed under a running sync');
      finish();
      await closed.promise;
      assert.equal(append.settled, true);
    });
  });

  it('really syncs: commits run at synchronous=NORMAL only inside a batch, and the -wal file is synced', async () => {
    await withStore(undefined, async (store, _bus, { accountId, mailboxId }) => {
      const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
      const blob = await store.blobs.put(sampleMessage('real'));
      await store.append({ accountId, mailboxId, blob, meta: sampleMeta() });
      // 2 = FULL: anything committed outside the group committer still fsyncs its WAL frames.
      assert.equal(db.pragma('synchronous', { simple: true }), 2);
      assert.equal(store.commitStats().syncs, 1);
      assert.ok(existsSync(`${db.name}-wal`) && db.name.endsWith(DATABASE_FILE));
    });
  });
});
