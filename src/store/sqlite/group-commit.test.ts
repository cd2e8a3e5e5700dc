import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MailboxChange } from '../../bus/bus.js';
import { LocalBus } from '../../bus/local.js';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import { openSqliteStore, type SqliteStore } from './index.js';

async function withSqlite(body: (store: SqliteStore, bus: LocalBus) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-gc-'));
  const bus = new LocalBus();
  const store = await openSqliteStore({ dataDir, bus });
  try {
    await body(store, bus);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

describe('sqlite group commit', () => {
  it('logs a bus that fails after the commit, and the write still succeeds', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-gc-'));
    const logged: string[] = [];
    const bus = new LocalBus();
    bus.publish = () => {
      throw new Error('bus down');
    };
    const store = await openSqliteStore({
      dataDir,
      bus,
      log: { error: (_f, message) => logged.push(message) },
    });
    try {
      const alice = await store.createAccount('a@x.org', 'h');
      const inbox = (await store.getMailbox(alice.id, 'INBOX'))!.id;
      const blob = await store.blobs.put(sampleMessage('published'));
      await store.append({ accountId: alice.id, mailboxId: inbox, blob, meta: sampleMeta() });
      assert.equal((await store.getIndex(inbox)).uids.length, 1);
      assert.deepEqual(logged, ['publishing a change after commit failed']);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('batches concurrent appends and deliveries into one transaction', () =>
    withSqlite(async (store) => {
      const alice = await store.createAccount('a@x.org', 'h');
      const bob = await store.createAccount('b@x.org', 'h', { quotaMessages: 0 });
      const inbox = (await store.getMailbox(alice.id, 'INBOX'))!.id;
      const blobs = await Promise.all(
        Array.from({ length: 50 }, (_, n) => store.blobs.put(sampleMessage(n))),
      );
      const before = store.commitStats();

      const appends = blobs.map((blob) =>
        store.append({ accountId: alice.id, mailboxId: inbox, blob, meta: sampleMeta() }),
      );
      const delivery = store.deliver({
        blob: blobs[0]!,
        meta: sampleMeta(),
        recipients: [{ accountId: alice.id }, { accountId: bob.id }],
      });
      const results = await Promise.all(appends);
      const outcomes = await delivery;

      const after = store.commitStats();
      assert.equal(after.commits - before.commits, 1, 'one commit for the whole batch');
      assert.equal(after.jobs - before.jobs, 52);
      assert.equal(new Set(results.map((r) => r.uid)).size, 50);
      assert.equal(outcomes[0]?.ok, true);
      assert.equal(outcomes[1]?.ok, false, 'the over-quota recipient fails alone');
      assert.equal((await store.getIndex(inbox)).uids.length, 51);
    }));

  it('rolls back only the failing job of a batch', () =>
    withSqlite(async (store) => {
      const alice = await store.createAccount('a@x.org', 'h', { quotaBytes: 150 });
      const inbox = (await store.getMailbox(alice.id, 'INBOX'))!.id;
      const small = await store.blobs.put(sampleMessage('small', 100));
      const big = await store.blobs.put(sampleMessage('big', 120));
      const [ok, failed] = await Promise.allSettled([
        store.append({ accountId: alice.id, mailboxId: inbox, blob: small, meta: sampleMeta() }),
        store.append({ accountId: alice.id, mailboxId: inbox, blob: big, meta: sampleMeta() }),
      ]);
      assert.equal(ok.status, 'fulfilled');
      assert.equal(failed.status, 'rejected');
      assert.equal((failed as PromiseRejectedResult).reason.code, 'OVER_QUOTA');
      const usage = await store.getQuotaUsage(alice.id);
      assert.deepEqual([usage.bytes, usage.messages], [100, 1]);
      const mailbox = await store.getMailboxById(inbox);
      assert.equal(mailbox?.uidNext, 2, 'the failed job consumed no UID');
    }));

  it('publishes one notification per mailbox per commit, after the commit', () =>
    withSqlite(async (store, bus) => {
      const alice = await store.createAccount('a@x.org', 'h');
      const inbox = (await store.getMailbox(alice.id, 'INBOX'))!.id;
      const seen: MailboxChange[] = [];
      bus.subscribeMailbox(inbox, (change) => {
        seen.push(change);
        // The change must already be visible to a reader when the notification arrives.
        void store.getMailboxById(inbox).then((m) => assert.ok(m!.highestModseq >= change.modseq));
      });
      const blobs = await Promise.all([1, 2, 3].map((n) => store.blobs.put(sampleMessage(n))));
      const results = await Promise.all(
        blobs.map((blob) =>
          store.append({ accountId: alice.id, mailboxId: inbox, blob, meta: sampleMeta() }),
        ),
      );
      assert.equal(seen.length, 1);
      assert.equal(seen[0]?.modseq, Math.max(...results.map((r) => r.modseq)));
    }));

  it('fails the whole batch with TEMP when the disk is full, stores nothing partial, and recovers', () =>
    withSqlite(async (store) => {
      const alice = await store.createAccount('a@x.org', 'h');
      const inbox = (await store.getMailbox(alice.id, 'INBOX'))!.id;
      // Simulate a full disk: the database file may not grow beyond a few more pages.
      const db = (store as unknown as { db: import('better-sqlite3').Database }).db;
      db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 3}`);
      const big = { ...sampleMeta(), bodyText: 'x'.repeat(20_000) };
      const blobs = await Promise.all([1, 2, 3].map((n) => store.blobs.put(sampleMessage(n))));
      const results = await Promise.allSettled(
        blobs.map((blob) => store.append({ accountId: alice.id, mailboxId: inbox, blob, meta: big })),
      );
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.equal((r as PromiseRejectedResult).reason.code, 'TEMP');
      }
      assert.equal((await store.getIndex(inbox)).uids.length, 0);
      assert.equal((await store.getQuotaUsage(alice.id)).messages, 0);

      db.pragma('max_page_count = 1000000');
      const ok = await store.append({ accountId: alice.id, mailboxId: inbox, blob: blobs[0]!, meta: big });
      assert.equal(ok.uid, 1);
    }));
});
