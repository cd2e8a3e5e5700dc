import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { MailboxChange } from '../../bus/bus.js';
import { LocalBus } from '../../bus/local.js';
import { sampleMessage, sampleMeta } from '../contract/fixture.js';
import { openSqliteStore } from './index.js';

describe('sqlite change log across processes', () => {
  it("publishes another connection's commits on this process's bus, once, and not its own again", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-changelog-'));
    const bus = new LocalBus();
    const server = await openSqliteStore({ dataDir, bus });
    // A second connection stands in for `postyard deliver` running as its own process.
    const other = await openSqliteStore({ dataDir });
    try {
      const account = await server.createAccount('a@x.org', 'h');
      const inbox = (await server.getMailbox(account.id, 'INBOX'))!.id;
      const seen: MailboxChange[] = [];
      bus.subscribeAccount(account.id, (change) => seen.push(change));

      const own = await server.append({
        accountId: account.id,
        mailboxId: inbox,
        blob: await server.blobs.put(sampleMessage(1)),
        meta: sampleMeta(),
      });
      assert.deepEqual(seen, [{ accountId: account.id, mailboxId: inbox, modseq: own.modseq }]);
      server.pollExternalChanges();
      assert.equal(seen.length, 1, 'own commits are not re-published by the poll');

      const foreign = await other.append({
        accountId: account.id,
        mailboxId: inbox,
        blob: await other.blobs.put(sampleMessage(2)),
        meta: sampleMeta(),
      });
      const folder = await other.createMailbox(account.id, 'FromCli');
      server.pollExternalChanges();
      assert.deepEqual(seen.slice(1), [
        { accountId: account.id, mailboxId: inbox, modseq: foreign.modseq },
        { accountId: account.id, mailboxId: folder.id, modseq: folder.highestModseq, structural: true },
      ]);
      server.pollExternalChanges();
      assert.equal(seen.length, 3, 'nothing new, nothing published');
    } finally {
      await other.close();
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
