/**
 * SortTable.rows reads every column joined into one value (group_concat): values holding its separators
 * (a NUL, which SQLite text may hold and PostgreSQL text cannot, so not in the contract suite; commas)
 * must come back whole.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { sortFieldsOf } from '../../mime/sort-fields.js';
import { sampleMeta } from '../contract/fixture.js';
import { DATABASE_FILE } from './database.js';
import { openSqliteStore } from './index.js';

test('sort rows keep values with NULs and commas', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-sort-'));
  const store = await openSqliteStore({ dataDir });
  try {
    const account = await store.createAccount('a@x.org', 'hash');
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
    const headers = ['Subject: a\0b, c\nFrom: "x, y" <x@y>', 'Subject: plain, with comma', 'From: z@y'];
    for (const headerText of headers) {
      const blob = await store.blobs.put(Buffer.from(`${headerText}\n\nbody`));
      await store.append({
        accountId: account.id,
        mailboxId: inbox,
        blob,
        meta: { ...sampleMeta(), headerText },
      });
    }
    const want = headers.map((headerText) => sortFieldsOf({ headerText, sentDate: null }));
    assert.ok(want[0]!.subject.includes('\0'), 'the subject holds a NUL');
    const pairs = (rows: { subject: string; displayFrom: string }[]) =>
      rows.map((r) => [r.subject, r.displayFrom]);
    // With the NUL: read row by row; without it: joined.
    assert.deepEqual(
      pairs(await store.getSortRows(inbox, [1, 2, 3], ['subject', 'displayFrom'])),
      pairs(want),
    );
    assert.deepEqual(
      pairs(await store.getSortRows(inbox, [2, 3], ['subject', 'displayFrom'])),
      pairs(want.slice(1)),
    );
    // As columns: the same values, through the joined read and row by row.
    for (const uids of [
      [1, 2, 3],
      [2, 3],
    ]) {
      const columns = await store.getSortColumns(inbox, uids, ['subject', 'displayFrom']);
      const rows = await store.getSortRows(inbox, uids, ['subject', 'displayFrom']);
      assert.deepEqual(Array.from(columns.uids), uids);
      assert.deepEqual(
        rows.map((_, i) => [columns.text.get('subject')![i], columns.text.get('displayFrom')![i]]),
        pairs(rows),
      );
    }
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('sort rows of messages without a stored row are computed in their place', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-sort-'));
  const store = await openSqliteStore({ dataDir });
  try {
    const account = await store.createAccount('a@x.org', 'hash');
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!.id;
    const headers = [
      'Subject: one\nDate: Tue, 1 Feb 2022 10:00:00 +0000',
      'Subject: Re: two',
      'Subject: three',
    ];
    for (const headerText of headers) {
      const blob = await store.blobs.put(Buffer.from(`${headerText}\n\nbody`));
      const sentDate = headerText.includes('Date:') ? Date.UTC(2022, 1, 1, 10) : null;
      await store.append({
        accountId: account.id,
        mailboxId: inbox,
        blob,
        meta: { ...sampleMeta(), headerText, sentDate },
      });
    }
    const before = await store.getSortRows(inbox, [1, 2, 3], ['subject', 'replyOrForward']);
    // The second message's row goes missing behind the store's back (as before the schema step filled them).
    const raw = new Database(join(dataDir, DATABASE_FILE));
    raw
      .prepare('DELETE FROM message_sort WHERE meta_id = (SELECT meta_id FROM messages WHERE uid = 2)')
      .run();
    raw.close();
    assert.deepEqual(await store.getSortRows(inbox, [1, 2, 3], ['subject', 'replyOrForward']), before);
    const columns = await store.getSortColumns(inbox, [1, 2, 3], ['subject']);
    assert.deepEqual(columns.text.get('subject'), ['ONE', 'TWO', 'THREE']);
    assert.deepEqual(Array.from(columns.sentDates), [Date.UTC(2022, 1, 1, 10), Number.NaN, Number.NaN]);
    assert.deepEqual(
      Array.from(columns.internalDates),
      before.map((r) => r.internalDate),
    );
    assert.deepEqual(
      before.map((r) => [r.uid, r.subject, r.replyOrForward, r.sentDate]),
      [
        [1, 'ONE', false, Date.UTC(2022, 1, 1, 10)],
        [2, 'TWO', true, null],
        [3, 'THREE', false, null],
      ],
    );
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});
