/**
 * PostgresCoordinator and PostgresBus as two nodes (two instances on one database): locks and slots are
 * exclusive across them and die with their holder, failure counters are shared, a role runs in one
 * node and passes on, signals and mailbox changes reach the other node.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { MailboxChange } from '../../src/bus/bus.js';
import { PostgresBus } from '../../src/bus/postgres.js';
import { PostgresCoordinator } from '../../src/bus/postgres-coordinator.js';
import { openPostgresStore } from '../../src/store/postgres/index.js';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';

describe('PostgreSQL coordination between nodes', { skip: !postgresAvailable() }, () => {
  let cluster: TestPostgres;
  let url: string;
  let a: PostgresCoordinator;
  let b: PostgresCoordinator;

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    // The store's migrations create the coordinator's table.
    const dir = await mkdtemp(join(tmpdir(), 'postyard-coord-'));
    await (await openPostgresStore({ dataDir: dir, url })).close();
    await rm(dir, { recursive: true, force: true });
    [a, b] = await Promise.all([
      PostgresCoordinator.open(url, { roleRetryMs: 50 }),
      PostgresCoordinator.open(url, { roleRetryMs: 50 }),
    ]);
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await cluster?.stop();
  });

  test('a lock is exclusive across nodes, also within one node, until released', async () => {
    const lock = await a.tryLock('pop3-maildrop:1');
    assert.ok(lock);
    assert.equal(await b.tryLock('pop3-maildrop:1'), null, 'other node');
    assert.equal(await a.tryLock('pop3-maildrop:1'), null, 'same node (advisory locks are reentrant)');
    assert.ok(await b.tryLock('pop3-maildrop:2'), 'another name');
    lock();
    lock();
    // Release is asynchronous on the wire; the next request on the same session runs after it.
    const again = await a.tryLock('pop3-maildrop:1');
    assert.ok(again, 'free again');
    again();
  });

  test('slots count up to their limit over both nodes', async () => {
    const s1 = await a.acquireSlot('imap:7', 3);
    const [s2, s3] = await Promise.all([b.acquireSlot('imap:7', 3), a.acquireSlot('imap:7', 3)]);
    assert.ok(s1 && s2 && s3);
    assert.equal(await b.acquireSlot('imap:7', 3), null);
    assert.equal(await a.acquireSlot('imap:7', 3), null);
    s2();
    assert.ok(await a.acquireSlot('imap:7', 3), 'a freed slot is taken by the other node');
  });

  test("a node's locks die with it", async () => {
    const c = await PostgresCoordinator.open(url);
    assert.ok(await c.tryLock('held-by-c'));
    assert.equal(await a.tryLock('held-by-c'), null);
    await c.close();
    assert.ok(await a.tryLock('held-by-c'));
  });

  test('failure counters are shared and block at their threshold', async () => {
    const rule = { windowMs: 1000, block: { at: 3, ms: 500 } };
    assert.deepEqual(await a.failures.bump([{ key: 'ip:1', rule }], 0), [{ failures: 1, blockedUntil: 0 }]);
    assert.deepEqual(await b.failures.bump([{ key: 'ip:1', rule }], 10), [{ failures: 2, blockedUntil: 0 }]);
    assert.deepEqual(await a.failures.bump([{ key: 'ip:1', rule }], 20), [
      { failures: 3, blockedUntil: 520 },
    ]);
    assert.deepEqual(await b.failures.read(['ip:1', 'ip:2'], 1000, 519), [
      { failures: 3, blockedUntil: 520 },
      { failures: 0, blockedUntil: 0 },
    ]);
    assert.deepEqual(
      await b.failures.read(['ip:1'], 1000, 520),
      [{ failures: 0, blockedUntil: 0 }],
      'block over',
    );
    assert.deepEqual(await a.failures.bump([{ key: 'ip:1', rule }], 600), [{ failures: 1, blockedUntil: 0 }]);
    await b.failures.bump([{ key: 'quiet', rule: { windowMs: 100, block: null } }], 0);
    assert.deepEqual(await a.failures.read(['quiet'], 100, 101), [{ failures: 0, blockedUntil: 0 }]);
    await a.failures.forget(['ip:1']);
    assert.deepEqual(await b.failures.read(['ip:1'], 1000, 601), [{ failures: 0, blockedUntil: 0 }]);
    // Concurrent bumps from both nodes are all counted.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 ? a : b).failures.bump([{ key: 'race', rule: { windowMs: 10_000, block: null } }], 1000),
      ),
    );
    assert.deepEqual(await a.failures.read(['race'], 10_000, 1000), [{ failures: 20, blockedUntil: 0 }]);
  });

  test('a role runs in one node and passes on when it withdraws', async () => {
    const running: string[] = [];
    let started: (name: string) => void = () => {};
    const task = (name: string) => ({
      start: () => {
        running.push(name);
        started(name);
      },
      stop: async () => {
        running.splice(running.indexOf(name), 1);
      },
    });
    const first = new Promise<string>((resolve) => {
      started = resolve;
    });
    const withdrawA = a.lead('maintenance', task('a'));
    assert.equal(await first, 'a');
    const withdrawB = b.lead('maintenance', task('b'));
    const second = new Promise<string>((resolve) => {
      started = resolve;
    });
    await withdrawA();
    assert.equal(await second, 'b', 'b takes over');
    assert.deepEqual(running, ['b']);
    await withdrawB();
    assert.deepEqual(running, []);
  });

  test('signals reach every node, the sender too', async () => {
    const got = (c: PostgresCoordinator) =>
      new Promise<string>((resolve) => {
        const off = c.onSignal('auth-invalidate', (payload) => {
          off();
          resolve(payload);
        });
      });
    const onA = got(a);
    const onB = got(b);
    a.signal('auth-invalidate', 'alice@example.org');
    assert.deepEqual(await Promise.all([onA, onB]), ['alice@example.org', 'alice@example.org']);
  });

  test('a mailbox change published on one node reaches the other once, and the sender at once', async () => {
    const [busA, busB] = await Promise.all([PostgresBus.open(url), PostgresBus.open(url)]);
    try {
      const onA: MailboxChange[] = [];
      busA.subscribeMailbox(5, (c) => onA.push(c));
      const onB = new Promise<MailboxChange>((resolve) => busB.subscribeAccount(9, resolve));
      const change = { accountId: 9, mailboxId: 5, modseq: 42, structural: true };
      busA.publish(change);
      assert.deepEqual(onA, [change], 'delivered locally at once');
      assert.deepEqual(await onB, change);
      // The sender ignores its own NOTIFY: a second change, seen by B, has still reached A only once each.
      const next = new Promise<MailboxChange>((resolve) => busB.subscribeMailbox(5, resolve));
      busA.publish({ accountId: 9, mailboxId: 5, modseq: 43 });
      await next;
      assert.deepEqual(
        onA.map((c) => c.modseq),
        [42, 43],
      );
    } finally {
      await busA.close();
      await busB.close();
    }
  });
});
