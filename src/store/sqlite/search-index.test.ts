import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { listOf, lists, sampleMessage, sampleMeta } from '../contract/fixture.js';
import { DATABASE_FILE } from './database.js';
import { openSqliteStore } from './index.js';
import { parseJoinedIds } from './search-index.js';

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
      assert.deepEqual(listOf(await store.searchCandidates(inbox, needle)), [2]);

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
      assert.deepEqual(listOf(await store.searchCandidates(inbox, needle)), [2]);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it("maps a common word's meta ids to the mailbox's UIDs: candidates, proven, copies and expunges", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-fts-'));
    const store = await openSqliteStore({ dataDir });
    try {
      const account = await store.createAccount('a@x.org', 'h');
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
      const other = (await store.createMailbox(account.id, 'Other')).id;
      // 3,000 messages (more than the few-candidates path takes): "needle" in the body of 9 in 10, in the
      // subject only of every 20th, a rare "zymurgy" in the body of every 500th.
      const body = (n: number) => `${n % 10 === 0 ? 'hay' : 'a needle'}${n % 500 === 7 ? ' zymurgy' : ''}`;
      const subject = (n: number) => (n % 20 === 0 ? `needle ${n}` : `straw ${n}`);
      const uids: number[] = [];
      for (let start = 0; start < 3000; start += 500) {
        const batch = Array.from({ length: 500 }, (_, i) => start + i);
        const results = await Promise.all(
          batch.map(async (n) => {
            const blob = await store.blobs.put(sampleMessage(n));
            const meta = { ...sampleMeta(subject(n)), bodyText: body(n) };
            return store.append({ accountId: account.id, mailboxId: inbox, blob, meta });
          }),
        );
        uids.push(...results.map((r) => r.uid));
      }
      // Copies share their meta row: they belong to the other mailbox's answer only.
      const copied = await store.copy(inbox, uids.slice(0, 100), other);
      const gone = uids.filter((_, n) => n % 7 === 3);
      await store.expunge(inbox, { uids: gone, force: true });
      const kept = uids
        .map((uid, n) => ({ uid, n }))
        .filter(({ uid }) => !gone.includes(uid))
        .sort((a, b) => a.uid - b.uid);

      const text = lists(await store.searchIndexed(inbox, [{ where: 'text', value: 'Needle' }]));
      assert.deepEqual(
        text?.candidates,
        kept.filter(({ n }) => n % 10 !== 0 || n % 20 === 0).map((k) => k.uid),
      );
      assert.deepEqual(
        text?.proven,
        kept.filter(({ n }) => n % 10 !== 0).map((k) => k.uid),
      );
      const inBody = lists(await store.searchIndexed(inbox, [{ where: 'body', value: 'needle' }]));
      assert.deepEqual(inBody?.candidates, text?.proven);
      const rare = lists(await store.searchIndexed(inbox, [{ where: 'text', value: 'zymurgy' }]));
      assert.deepEqual(
        rare?.candidates,
        kept.filter(({ n }) => n % 500 === 7).map((k) => k.uid),
      );
      assert.deepEqual(rare?.proven, rare?.candidates);
      const copies = lists(await store.searchIndexed(other, [{ where: 'text', value: 'needle' }]));
      assert.equal(copies?.candidates.length, 100 - 10 + 5);
      const both = lists(
        await store.searchIndexed(inbox, [
          { where: 'text', value: 'needle' },
          { where: 'text', value: 'zymurgy' },
        ]),
      );
      assert.deepEqual(both?.proven, rare?.proven);

      // The mailbox's pairs are kept between searches: an append and an expunge must show at once.
      const blob = await store.blobs.put(sampleMessage('late'));
      const late = await store.append({
        accountId: account.id,
        mailboxId: inbox,
        blob,
        meta: { ...sampleMeta('late'), bodyText: 'needle again' },
      });
      const withLate = lists(await store.searchIndexed(inbox, [{ where: 'text', value: 'needle' }]));
      assert.deepEqual(withLate?.proven, [...text!.proven, late.uid]);
      const first = text!.proven[0]!;
      await store.expunge(inbox, { uids: [first], force: true });
      const withoutFirst = lists(await store.searchIndexed(inbox, [{ where: 'text', value: 'needle' }]));
      assert.deepEqual(withoutFirst?.proven, [...text!.proven.slice(1), late.uid]);

      // Flag changes leave the kept pairs alone; what another process appends (postyard deliver, a
      // second worker) and what a MOVE brings in are read on top of them.
      await store.storeFlags({ mailboxId: inbox, uids: [late.uid], operation: 'add', flags: ['\\Seen'] });
      const second = await openSqliteStore({ dataDir });
      let fromOther: number;
      try {
        const blob2 = await second.blobs.put(sampleMessage('other process'));
        const meta = { ...sampleMeta('other'), bodyText: 'a needle from elsewhere' };
        fromOther = (await second.append({ accountId: account.id, mailboxId: inbox, blob: blob2, meta })).uid;
      } finally {
        await second.close();
      }
      // The copy of n = 2 ("a needle"); UIDs follow commit order, not n, in the parallel appends above.
      const copyOfTwo = copied.destUids[copied.sourceUids.indexOf(uids[2]!)]!;
      const movedIn = (await store.move(other, [copyOfTwo], inbox)).destUids[0]!;
      const afterMore = lists(await store.searchIndexed(inbox, [{ where: 'text', value: 'needle' }]));
      assert.deepEqual(afterMore?.proven, [...text!.proven.slice(1), late.uid, fromOther, movedIn]);
    } finally {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('parses group_concat lists of ids', () => {
    assert.deepEqual(listOf(parseJoinedIds(null)), []);
    assert.deepEqual(listOf(parseJoinedIds('')), []);
    assert.deepEqual(listOf(parseJoinedIds('7')), [7]);
    assert.deepEqual(listOf(parseJoinedIds('1,20,300,4000000000')), [1, 20, 300, 4_000_000_000]);
  });
});
