import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { sortFieldsOf } from '../../mime/sort-fields.js';
import { listOf, lists } from '../contract/fixture.js';
import { DATABASE_FILE, openDatabase } from './database.js';
import {
  FIELD_INDEX_VERSION,
  MAILBOX_OBJECT_ID_VERSION,
  SCHEMA_VERSION,
  SCRAM_KEYS_VERSION,
  SEARCH_INDEX_VERSION,
  SENT_ZONE_VERSION,
  SORT_TABLE_VERSION,
} from './schema.js';
import { SearchIndex } from './search-index.js';
import { SortTable } from './sort-table.js';

describe('sqlite schema', () => {
  it('migrates a new file to the current user_version with durable pragmas, and refuses a newer one', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous = FULL');
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      db.close();

      const again = openDatabase(dataDir);
      assert.equal(again.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      again.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
      again.close();
      assert.throws(() => openDatabase(dataDir), /newer/);
      assert.ok(new Database(join(dataDir, DATABASE_FILE)).close());
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the mailbox object_id step gives existing mailboxes their UIDVALIDITY as object id', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const old = openDatabase(dataDir);
      old.exec('DROP TABLE message_sort'); // a later step
      old.exec('ALTER TABLE mailboxes DROP COLUMN object_id');
      old.exec('DROP TABLE message_search'); // later steps
      old.exec('ALTER TABLE accounts DROP COLUMN scram_sha256');
      old.exec('DROP TABLE inline_blobs'); // a later step
      old.exec('DROP TABLE message_fields'); // a later step
      old.exec('DROP INDEX messages_sort_scan'); // a later step
      old.pragma(`user_version = ${MAILBOX_OBJECT_ID_VERSION - 1}`);
      old.exec(`INSERT INTO accounts (id, login, password_hash, created_at) VALUES (1, 'a@b', 'h', 0)`);
      old.exec(`INSERT INTO mailboxes (account_id, name, uid_validity) VALUES (1, 'INBOX', 7), (1, 'X', 9)`);
      old.close();
      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.deepEqual(db.prepare('SELECT name, object_id FROM mailboxes ORDER BY name').all(), [
        { name: 'INBOX', object_id: 7 },
        { name: 'X', object_id: 9 },
      ]);
      db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the SCRAM keys step adds an empty scram_sha256 to existing accounts, hashes kept', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const old = openDatabase(dataDir);
      old.exec('DROP TABLE message_sort'); // a later step
      old.exec('ALTER TABLE accounts DROP COLUMN scram_sha256');
      old.exec('DROP TABLE inline_blobs'); // a later step
      old.exec('DROP TABLE message_fields'); // a later step
      old.exec('DROP INDEX messages_sort_scan'); // a later step
      old.pragma(`user_version = ${SCRAM_KEYS_VERSION - 1}`);
      old.exec(`INSERT INTO accounts (id, login, password_hash, created_at) VALUES (1, 'a@b', 'h', 0)`);
      old.close();
      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      assert.deepEqual(db.prepare('SELECT password_hash, scram_sha256 FROM accounts').all(), [
        { password_hash: 'h', scram_sha256: null },
      ]);
      db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the sent_zone step gives rows stored before it the zone of their Date field, from the header text', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      // A file of the version before: the schema without sent_zone.
      const old = openDatabase(dataDir);
      old.exec('DROP TABLE message_sort'); // a later step
      old.exec('ALTER TABLE message_meta DROP COLUMN sent_zone');
      old.exec('ALTER TABLE mailboxes DROP COLUMN object_id'); // later steps
      old.exec('DROP TABLE message_search');
      old.exec('ALTER TABLE accounts DROP COLUMN scram_sha256');
      old.exec('DROP TABLE inline_blobs'); // a later step
      old.exec('DROP TABLE message_fields'); // a later step
      old.exec('DROP INDEX messages_sort_scan'); // a later step
      old.pragma(`user_version = ${SENT_ZONE_VERSION - 1}`);
      const insert = old.prepare(
        `INSERT INTO message_meta (id, blob_id, envelope, body_structure, body, preview, sent_date, structure)
         VALUES (?, ?, '', '', '', '', ?, '')`,
      );
      const text = old.prepare('INSERT INTO message_text (meta_id, header_text, body_text) VALUES (?, ?, ?)');
      const rows: Array<[number, number | null, string]> = [
        [1, 1, 'From: a@b\nDate: Sun, 25 Mar 2007 00:00:00 +0200\nSubject: x\n'],
        [2, 1, 'Date: Mon, 1 Jan 2007 00:00:00 +0000\ndate: Sat, 27 Oct 2007 23:30:00 -0500 (EST)\n'],
        [3, 1, 'Subject: the Date field was cut off\n'],
        [4, null, 'Date: not a date\n'],
      ];
      for (const [id, sent, header] of rows) {
        insert.run(id, `blob${id}`, sent);
        text.run(id, header, '');
      }
      old.close();

      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const zones = db.prepare('SELECT id, sent_zone FROM message_meta ORDER BY id').all();
      assert.deepEqual(zones, [
        { id: 1, sent_zone: 120 },
        { id: 2, sent_zone: -300 },
        { id: 3, sent_zone: null },
        { id: 4, sent_zone: null },
      ]);
      db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the search index step indexes the search text of messages stored before it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const old = openDatabase(dataDir);
      old.exec('DROP TABLE message_sort'); // a later step
      old.exec('DROP TABLE message_search');
      old.exec('ALTER TABLE accounts DROP COLUMN scram_sha256'); // a later step
      old.exec('DROP TABLE inline_blobs'); // a later step
      old.exec('DROP TABLE message_fields'); // a later step
      old.exec('DROP INDEX messages_sort_scan'); // a later step
      old.pragma(`user_version = ${SEARCH_INDEX_VERSION - 1}`);
      const { meta, text, message } = oneMailboxInserts(old);
      // More than one batch of the backfill.
      for (let id = 1; id <= 1200; id++) {
        meta.run(id, `blob${id}`);
        text.run(id, `Subject: Number ${id}\n`, id % 2 ? 'Ünïcode body' : 'plain');
        message.run(id, `blob${id}`, id);
      }
      old.close();

      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const index = new SearchIndex(db);
      assert.deepEqual(index.state(), { missing: 0, extra: 0, stale: false });
      assert.deepEqual(listOf(index.candidates(1, [{ where: 'header', value: 'NUMBER 1199' }])), [1199]);
      assert.equal(index.candidates(1, [{ where: 'body', value: 'üNÏ' }])?.length, 600);
      assert.equal(index.candidates(1, [{ where: 'body', value: 'ün' }]), undefined, 'too short');
      db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
  it('the field index step indexes the header fields of messages stored before it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const old = openDatabase(dataDir);
      old.exec('DROP TABLE message_fields');
      old.exec('DROP INDEX messages_sort_scan'); // a later step
      old.exec('DROP INDEX message_sort_dates'); // a later step
      old.pragma(`user_version = ${FIELD_INDEX_VERSION - 1}`);
      const { meta, text, message } = oneMailboxInserts(old);
      const search = old.prepare('INSERT INTO message_search (rowid, header, body) VALUES (?, ?, ?)');
      // More than one batch of the backfill; an address only in its normalized form (comment inside).
      for (let id = 1; id <= 1200; id++) {
        meta.run(id, `blob${id}`);
        const from = id % 2 ? `Zoe <zoe (work) @ example.se>` : `Bob <bob${id}@example.org>`;
        const header = `Subject: Number ${id}\nFrom: ${from}\nTo: team@example.org\n`;
        text.run(id, header, 'body');
        search.run(id, header.toLowerCase(), 'body'); // the earlier index, as delivery kept it
        message.run(id, `blob${id}`, id);
      }
      old.close();

      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const index = new SearchIndex(db);
      assert.deepEqual(index.state(), { missing: 0, extra: 0, stale: false });
      const zoe = lists(index.indexed(1, [{ where: 'header', field: 'from', value: 'ZOE@example.se' }]));
      assert.equal(zoe?.candidates.length, 600);
      assert.deepEqual(zoe?.proven, zoe?.candidates, 'the from column proves the match');
      assert.deepEqual(
        lists(index.indexed(1, [{ where: 'header', field: 'to', value: 'bob1199' }]))?.candidates,
        [],
      );
      assert.deepEqual(
        lists(index.indexed(1, [{ where: 'header', field: 'subject', value: 'number 1199' }])),
        {
          candidates: [1199],
          proven: [1199],
        },
      );
      db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the sort table step gives messages stored before it the keys of their header text', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-schema-'));
    try {
      const old = openDatabase(dataDir);
      old.exec('DROP TABLE message_sort');
      old.exec('DROP TABLE inline_blobs'); // a later step
      old.exec('DROP TABLE message_fields'); // a later step
      old.exec('DROP INDEX messages_sort_scan'); // a later step
      old.pragma(`user_version = ${SORT_TABLE_VERSION - 1}`);
      old.exec(`INSERT INTO accounts (id, login, password_hash, created_at) VALUES (1, 'a@b', 'h', 0)`);
      old.exec(`INSERT INTO mailboxes (id, account_id, name, uid_validity) VALUES (1, 1, 'INBOX', 7)`);
      const meta = old.prepare(
        `INSERT INTO message_meta (id, blob_id, envelope, body_structure, body, preview, sent_date, structure)
         VALUES (?, ?, '', '', '', '', ?, '')`,
      );
      const text = old.prepare('INSERT INTO message_text (meta_id, header_text, body_text) VALUES (?, ?, ?)');
      const message = old.prepare(
        `INSERT INTO messages (mailbox_id, uid, modseq, internal_date, save_date, size, blob_id, meta_id)
         VALUES (1, ?, 1, ?, 0, 1, ?, ?)`,
      );
      const header = (id: number) =>
        `Subject: Re: Number ${id % 7}\nFrom: User ${id} <u${id}@x.org>\nMessage-ID: <m${id}@x>\n` +
        `References: <m${id - 1}@x> <m${id - 2}@x>\n`;
      // More than one batch of the backfill.
      for (let id = 1; id <= 1200; id++) {
        meta.run(id, `blob${id}`, id % 3 ? id * 1000 : null);
        text.run(id, header(id), 'body');
        message.run(id, id * 500, `blob${id}`, id);
      }
      old.close();

      const db = openDatabase(dataDir);
      assert.equal(db.pragma('user_version', { simple: true }), SCHEMA_VERSION);
      const table = new SortTable(db);
      assert.equal(table.missing(), 0);
      const uids = Array.from({ length: 1200 }, (_, i) => i + 1);
      const rows = table.rows(1, uids, [
        'subject',
        'replyOrForward',
        'displayFrom',
        'messageId',
        'references',
      ]);
      assert.equal(rows.length, 1200);
      for (const row of rows) {
        const fields = sortFieldsOf({
          headerText: header(row.uid),
          sentDate: row.uid % 3 ? row.uid * 1000 : null,
        });
        assert.deepEqual(row, {
          ...fields,
          from: '',
          to: '',
          cc: '',
          displayTo: '',
          uid: row.uid,
          internalDate: row.uid * 500,
          size: 1,
        });
      }
      assert.deepEqual(rows[9]!.references, ['m9@x', 'm8@x']);
      // Dates only: read through the covering indexes of a later step, built over the existing rows.
      const indexes = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index'`).pluck().all();
      assert.ok(indexes.includes('messages_sort_scan') && indexes.includes('message_sort_dates'));
      const dates = table.rows(1, uids, []);
      assert.deepEqual(
        dates.map((r) => [r.uid, r.internalDate, r.sentDate]),
        rows.map((r) => [r.uid, r.internalDate, r.sentDate]),
      );
      // A meta row without its sort row still answers right (computed from the header text).
      db.exec('DELETE FROM message_sort WHERE meta_id = 10');
      assert.equal(table.missing(), 1);
      assert.deepEqual(table.rows(1, [10], ['displayFrom'])[0]!.displayFrom, 'USER 10');
      assert.equal(table.fillMissing(), 1);
      assert.equal(table.missing(), 0);
      db.close();
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});

/** Account 1 with INBOX (id 1) in an old-version file, and inserts for its messages' rows. */
function oneMailboxInserts(old: Database.Database) {
  old.exec(`INSERT INTO accounts (id, login, password_hash, created_at) VALUES (1, 'a@b', 'h', 0)`);
  old.exec(`INSERT INTO mailboxes (id, account_id, name, uid_validity) VALUES (1, 1, 'INBOX', 7)`);
  return {
    meta: old.prepare(
      `INSERT INTO message_meta (id, blob_id, envelope, body_structure, body, preview, sent_date, structure)
       VALUES (?, ?, '', '', '', '', NULL, '')`,
    ),
    text: old.prepare('INSERT INTO message_text (meta_id, header_text, body_text) VALUES (?, ?, ?)'),
    message: old.prepare(
      `INSERT INTO messages (mailbox_id, uid, modseq, internal_date, save_date, size, blob_id, meta_id)
       VALUES (1, ?, 1, 0, 0, 1, ?, ?)`,
    ),
  };
}
