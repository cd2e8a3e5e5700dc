/**
 * The one-statement append (append-statement.ts) where the contract suite cannot reach it: another
 * transaction (another node) inserts the same blob's metadata and commits while the append statement
 * waits on it, so the statement's snapshot does not see the row it conflicted with.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../../test/helpers/postgres.js';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import { openPostgresStore, type PostgresStore } from './index.js';

describe('postgres append statement', { skip: !postgresAvailable() }, () => {
  let cluster: TestPostgres;
  let url: string;
  let dataDir: string;
  let store: PostgresStore;

  before(async () => {
    cluster = await startPostgres();
    url = await cluster.createDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-pg-append-'));
    store = await openPostgresStore({ dataDir, url, poolSize: 2 });
  });
  after(async () => {
    await store?.close();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("a delivery whose blob's metadata another node commits meanwhile still stores its message", async () => {
    const account = await store.createAccount('race@example.org', 'x');
    const blob = await store.blobs.put(sampleMessage('race', 2000));
    const otherNode = new pg.Client({ connectionString: url });
    await otherNode.connect();
    try {
      await otherNode.query('BEGIN');
      const inserted = await otherNode.query<{ id: number }>(
        `INSERT INTO message_meta (blob_id, envelope, body_structure, body, preview, structure)
         VALUES ($1, '', '', '', '', '') RETURNING id`,
        [blob.id],
      );
      const delivered = store.deliver({
        blob,
        meta: sampleMeta('race'),
        recipients: [{ accountId: account.id }],
      });
      // Commit only once the delivery's statement waits on the uncommitted row (a lock wait), so that the
      // row it then finds is outside its snapshot. pg_stat_activity is read once per transaction unless
      // the snapshot is cleared: a first look before the delivery waited would otherwise be the last.
      for (;;) {
        await otherNode.query('SELECT pg_stat_clear_snapshot()');
        const waiting = await otherNode.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH box AS%'`,
        );
        if (waiting.rows[0]!.n > 0) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
      await otherNode.query('COMMIT');
      const [outcome] = await delivered;
      assert.ok(outcome?.ok, outcome?.ok ? '' : String(outcome?.error));
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
      assert.deepEqual([...(await store.getIndex(inbox.id)).uids], [outcome.result.uid]);
      const stored = await otherNode.query<{ meta_id: number }>(
        'SELECT meta_id FROM messages WHERE mailbox_id = $1',
        [inbox.id],
      );
      assert.deepEqual(
        stored.rows.map((r) => r.meta_id),
        [inserted.rows[0]!.id],
      );
    } finally {
      await otherNode.end();
    }
  });

  test('a delivery to a mailbox or account that does not exist is NOT_FOUND, and changes nothing', async () => {
    const account = await store.createAccount('missing@example.org', 'x');
    const blob = await store.blobs.put(sampleMessage('missing', 500));
    const [noMailbox, noAccount] = await store.deliver({
      blob,
      meta: sampleMeta('missing'),
      recipients: [{ accountId: account.id, mailbox: 'Nowhere' }, { accountId: 999_999 }],
    });
    assert.equal(noMailbox?.ok, false);
    assert.equal(noAccount?.ok, false);
    assert.match(String(!noMailbox?.ok && noMailbox?.error.message), /Nowhere not found/);
    assert.match(String(!noAccount?.ok && noAccount?.error.message), /Account 999999 not found/);
    assert.equal((await store.getQuotaUsage(account.id)).messages, 0);
  });
});
