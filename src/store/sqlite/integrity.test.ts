import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import { DATABASE_FILE } from './database.js';
import { openSqliteStore } from './index.js';

describe('sqlite integrity repair', () => {
  it('detects and repairs low UIDNEXT, low HIGHESTMODSEQ, a wrong usage counter and missing sort keys', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-integrity-'));
    const store = await openSqliteStore({ dataDir });
    try {
      const account = await store.createAccount('a@x.org', 'h');
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
      for (const n of [1, 2, 3]) {
        const blob = await store.blobs.put(sampleMessage(n));
        await store.append({ accountId: account.id, mailboxId: inbox, blob, meta: sampleMeta() });
      }
      // Damage the counters behind the store's back, as a crash of older code or a bad restore might.
      const raw = new Database(join(dataDir, DATABASE_FILE));
      raw.prepare('UPDATE mailboxes SET uid_next = 2, highest_modseq = 1 WHERE id = ?').run(inbox);
      raw.prepare('UPDATE quota_usage SET bytes = 7, messages = 99 WHERE account_id = ?').run(account.id);
      raw.prepare('DELETE FROM message_sort').run();
      raw.close();

      const found = await store.checkIntegrity();
      assert.deepEqual(found.problems.map((p) => p.kind).sort(), [
        'missing-sort-keys',
        'modseq-too-low',
        'quota-usage-mismatch',
        'uidnext-too-low',
      ]);
      assert.ok(found.problems.every((p) => p.repairable));
      assert.equal(found.repaired, 0);

      const fixed = await store.checkIntegrity({ repair: true });
      assert.equal(fixed.repaired, 4);
      const [row] = await store.getSortRows(inbox, [1], ['subject']);
      assert.equal(row?.subject, 'HELLO');
      assert.deepEqual((await store.checkIntegrity()).problems, []);
      const mailbox = await store.getMailboxById(inbox);
      assert.equal(mailbox?.uidNext, 4);
      const usage = await store.getQuotaUsage(account.id);
      assert.equal(usage.messages, 3);
      const blob = await store.blobs.put(sampleMessage(4));
      const next = await store.append({ accountId: account.id, mailboxId: inbox, blob, meta: sampleMeta() });
      assert.equal(next.uid, 4);
      assert.ok(next.modseq > 1);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
