/**
 * Two PostgresStore instances on one database, as two nodes: concurrent deliveries to one mailbox from
 * both get distinct UIDs in one ascending sequence with strictly increasing MODSEQs, and a quota is
 * charged exactly (no delivery past the limit, usage equal to what is stored).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sampleMessage, sampleMeta } from '../../src/store/contract/fixture.js';
import { openPostgresStore, type PostgresStore } from '../../src/store/postgres/index.js';
import type { DeliverOutcome } from '../../src/store/store.js';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';

describe('two PostgreSQL nodes on one database', { skip: !postgresAvailable() }, () => {
  let cluster: TestPostgres;
  let dataDir: string;
  let nodeA: PostgresStore;
  let nodeB: PostgresStore;

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    // One blob directory for both, as nodes share one filesystem for blobs.
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-two-nodes-'));
    [nodeA, nodeB] = await Promise.all([
      openPostgresStore({ dataDir, url, poolSize: 8 }),
      openPostgresStore({ dataDir, url, poolSize: 8 }),
    ]);
  });
  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  /** `count` deliveries of distinct messages through `store`, all started at once. */
  async function deliverMany(
    store: PostgresStore,
    accountId: number,
    tag: string,
    count: number,
    bytes = 100,
  ) {
    const blobs = await Promise.all(
      Array.from({ length: count }, (_, i) => store.blobs.put(sampleMessage(`${tag}-${i}`, bytes))),
    );
    const outcomes = await Promise.all(
      blobs.map((blob, i) =>
        store.deliver({ blob, meta: sampleMeta(`${tag}-${i}`), recipients: [{ accountId }] }),
      ),
    );
    return outcomes.map((o) => o[0]!);
  }

  it('hands out distinct, ascending UIDs with strictly increasing MODSEQs across both nodes', async () => {
    const account = await nodeA.createAccount('uids@example.org', 'hash');
    const inbox = (await nodeB.getMailbox(account.id, 'INBOX'))!;
    const [fromA, fromB] = await Promise.all([
      deliverMany(nodeA, account.id, 'a', 60),
      deliverMany(nodeB, account.id, 'b', 60),
    ]);
    const results = [...fromA, ...fromB].map((o) => {
      assert.ok(o.ok, String(!o.ok && o.error));
      return o.result;
    });
    const uids = results.map((r) => r.uid).sort((x, y) => x - y);
    assert.deepEqual(
      uids,
      Array.from({ length: 120 }, (_, i) => i + 1),
      'no duplicate or skipped UID',
    );
    // Ordered by UID, the MODSEQs strictly increase: a client that saw modseq X has seen every lower UID.
    const byUid = [...results].sort((x, y) => x.uid - y.uid);
    for (let i = 1; i < byUid.length; i++)
      assert.ok(byUid[i]!.modseq > byUid[i - 1]!.modseq, `modseq at UID ${i + 1}`);
    for (const node of [nodeA, nodeB]) {
      const index = await node.getIndex(inbox.id);
      assert.deepEqual(Array.from(index.uids), uids);
      assert.equal(index.mailbox.uidNext, 121);
      assert.equal(index.mailbox.highestModseq, byUid.at(-1)!.modseq);
      const changes = await node.changesSince(inbox.id, 0);
      assert.deepEqual(
        changes.changed.map((c) => [c.uid, c.modseq]),
        byUid.map((r) => [r.uid, r.modseq]),
      );
    }
  });

  it('charges a quota exactly under concurrent deliveries on both nodes', async () => {
    const account = await nodeA.createAccount('quota@example.org', 'hash', {
      quotaMessages: 50,
      quotaBytes: 6000,
    });
    const inbox = (await nodeA.getMailbox(account.id, 'INBOX'))!;
    const [fromA, fromB] = await Promise.all([
      deliverMany(nodeA, account.id, 'qa', 40, 100),
      deliverMany(nodeB, account.id, 'qb', 40, 100),
    ]);
    const all: DeliverOutcome[] = [...fromA, ...fromB];
    const accepted = all.filter((o) => o.ok);
    const refused = all.filter((o) => !o.ok);
    // 6000 bytes allow 60 messages of 100 bytes; the message limit (50) binds first.
    assert.equal(accepted.length, 50);
    assert.equal(refused.length, 30);
    for (const o of refused) assert.equal(!o.ok && (o.error as { code?: string }).code, 'OVER_QUOTA');
    const usage = await nodeB.getQuotaUsage(account.id);
    assert.equal(usage.messages, 50);
    assert.equal(usage.bytes, 5000);
    const status = await nodeB.mailboxStatus(inbox.id);
    assert.equal(status.messages, 50);
    assert.equal(status.size, 5000);
    // Refused deliveries used no UID.
    assert.equal(status.uidNext, 51);
    assert.deepEqual((await nodeA.checkIntegrity()).problems, []);
  });
});
