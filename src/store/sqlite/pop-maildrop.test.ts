import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import { openSqliteStore } from './index.js';

test('getPopMaildrop: UID, size and blob id of the messages not hidden from POP3, like getMessages', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-popdrop-'));
  const store = await openSqliteStore({ dataDir });
  try {
    const account = await store.createAccount('p@x.org', 'h');
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    for (let i = 1; i <= 5; i++) {
      await store.append({
        accountId: account.id,
        mailboxId: inbox.id,
        blob: await store.blobs.put(sampleMessage(i)),
        meta: sampleMeta(),
      });
    }
    await store.setPopHidden(inbox.id, [2, 4]);
    const snapshot = await store.getPopMaildrop(inbox.id);
    const records = (await store.getMessages(inbox.id, [1, 2, 3, 4, 5])).filter((r) => !r.popHidden);
    assert.equal(snapshot.mailbox.id, inbox.id);
    assert.equal(snapshot.mailbox.uidValidity, inbox.uidValidity);
    assert.deepEqual(Array.from(snapshot.uids), [1, 3, 5]);
    assert.deepEqual(
      Array.from(snapshot.uids),
      records.map((r) => r.uid),
    );
    assert.deepEqual(
      Array.from(snapshot.sizes),
      records.map((r) => r.size),
    );
    assert.deepEqual(
      snapshot.blobIds,
      records.map((r) => r.blobId),
    );
    const empty = (await store.getMailbox(account.id, 'Trash'))!;
    assert.equal((await store.getPopMaildrop(empty.id)).uids.length, 0);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
