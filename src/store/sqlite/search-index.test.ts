import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import { DATABASE_FILE } from './database.js';
import { openSqliteStore } from './index.js';

describe('sqlite full-text search index', () => {
  it('narrows nothing while a rebuild is unfinished, and a repair rebuilds it whole', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-fts-'));
    const store = await openSqliteStore({ dataDir });
    try {
      const account = await store.createAccount('a@x.org', 'h');
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
      for (const n of [1, 2, 3]) {
        const blob = await store.blobs.put(sampleMessage(n));
        const meta = { ...sampleMeta(), bodyText: n === 2 ? 'needle here' : 'hay' };
        await store.append({ accountId: account.id, mailboxId: inbox, blob, meta });
      }
      const needle = [{ where: 'body', value: 'needle' }] as const;
      assert.deepEqual(await store.searchCandidates(inbox, needle), [2]);

      // A rebuild killed half-way leaves the mark and an emptied index.
      const raw = new Database(join(dataDir, DATABASE_FILE));
      raw.exec(`INSERT INTO message_search (message_search) VALUES ('delete-all')`);
      raw.exec(`INSERT INTO counters (name, value) VALUES ('search_index_stale', 1)`);
      raw.close();
      assert.equal(await store.searchCandidates(inbox, needle), undefined);
      assert.deepEqual((await store.checkIntegrity()).searchIndex, { missing: 3, extra: 0, stale: true });

      const repaired = await store.checkIntegrity({ repair: true });
      assert.equal(repaired.searchIndex?.rebuilt, 3);
      assert.deepEqual((await store.checkIntegrity()).searchIndex, { missing: 0, extra: 0, stale: false });
      assert.deepEqual(await store.searchCandidates(inbox, needle), [2]);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
