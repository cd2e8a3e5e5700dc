/**
 * `postyard migrate --from sqlite:DIR --to postgres://…`: a POP3 client (Python's poplib) sees the same
 * UIDL list before (SQLite) and after (PostgreSQL), so it downloads nothing again; UIDVALIDITY, UIDNEXT
 * and HIGHESTMODSEQ are kept and new mail continues the UIDs. The bodies are copied into the database
 * (the node runs on a data directory of its own), or with --keep-blob-files stay files the node reads
 * from the old data directory. A second migrate into the now non-empty database is refused.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Mailbox } from '../../src/store/store.js';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { installTestCertificate, startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { python } from '../pop3/helpers.js';
import { runCli } from './helpers.js';

const LOGIN = 'carol@example.org';
const PASSWORD = 'migrate me';

/** Delivers `count` messages over LMTP with Python's smtplib.LMTP. */
async function deliver(server: TestServer, tag: string, count: number): Promise<void> {
  await python(
    `
import smtplib, sys
l = smtplib.LMTP('127.0.0.1', int(sys.argv[1]))
for i in range(int(sys.argv[3])):
    msg = ('Subject: %s %d\\r\\nMessage-ID: <%s-%d@example.net>\\r\\n\\r\\nbody %d\\r\\n' % (sys.argv[4], i, sys.argv[4], i, i)).encode()
    assert not l.sendmail('bob@example.net', [sys.argv[2]], msg)
l.quit()
`,
    [String(server.ports.lmtp), LOGIN, String(count), tag],
  );
}

/** The UIDL list a POP3 client sees (and the message count), without deleting anything. */
async function uidls(server: TestServer): Promise<string[]> {
  const result = await python(
    `
import poplib, sys, json
p = poplib.POP3('127.0.0.1', int(sys.argv[1])); p.user(sys.argv[2]); p.pass_(sys.argv[3])
print(json.dumps([l.decode().split()[1] for l in p.uidl()[1]]))
p.quit()
`,
    [String(server.ports.pop3), LOGIN, PASSWORD],
  );
  return JSON.parse(result.stdout) as string[];
}

async function inbox(server: TestServer): Promise<Mailbox> {
  const account = (await server.ctx.store.getAccount(LOGIN))!;
  return (await server.ctx.store.getMailbox(account.id, 'INBOX'))!;
}

describe('postyard migrate from SQLite to PostgreSQL', { skip: !postgresAvailable() }, () => {
  let cluster: TestPostgres;
  let dataDir: string;

  before(async () => {
    cluster = await startPostgres();
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-migrate-'));
    await installTestCertificate(dataDir);
  });
  after(async () => {
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('keeps UIDLs, UIDVALIDITY, UIDNEXT and MODSEQ; new mail continues the UIDs', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const url = await cluster.createDatabase();

    const sqlite = await startTestServer({}, { dataDir });
    let before: { uidls: string[]; inbox: Mailbox };
    try {
      await sqlite.addUser(LOGIN, PASSWORD);
      await deliver(sqlite, 'old', 4);
      // Expunge one, so the UIDs have a gap and the expunge log is not empty.
      const box = await inbox(sqlite);
      await sqlite.ctx.store.expunge(box.id, { uids: [2], force: true });
      before = { uidls: await uidls(sqlite), inbox: await inbox(sqlite) };
    } finally {
      await sqlite.close();
    }
    assert.equal(before.uidls.length, 3);

    const migrated = await runCli(['migrate', '--from', `sqlite:${dataDir}`, '--to', url]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.match(migrated.stdout, /migrated 1 accounts, 6 mailboxes, 3 messages/);
    // Every body (the expunged message's too, until garbage collection) goes into the database.
    assert.match(migrated.stdout, /copied 4 blobs into the database/);

    // A data directory of its own: the bodies come from the database alone.
    const node = await startTestServer({ store: { backend: 'postgres', postgresUrl: url } });
    try {
      assert.deepEqual((await node.ctx.store.checkIntegrity()).problems, []);
      assert.deepEqual(await uidls(node), before.uidls, 'a POP3 client sees the same UIDLs');
      const after = await inbox(node);
      assert.deepEqual(
        [after.id, after.uidValidity, after.uidNext, after.highestModseq, after.objectId],
        [
          before.inbox.id,
          before.inbox.uidValidity,
          before.inbox.uidNext,
          before.inbox.highestModseq,
          before.inbox.objectId,
        ],
      );
      for (const message of await node.ctx.store.getMessages(after.id, [1, 3, 4])) {
        assert.match((await node.ctx.store.blobs.read(message.blobId)).toString(), /^Return-Path: /);
      }
      const vanished = await node.ctx.store.changesSince(after.id, 0);
      assert.deepEqual(vanished.expunged, [2], 'the expunge log came along (QRESYNC VANISHED)');
      await deliver(node, 'new', 1);
      const index = await node.ctx.store.getIndex(after.id);
      assert.deepEqual(Array.from(index.uids), [1, 3, 4, before.inbox.uidNext]);
      assert.equal((await uidls(node)).length, 4);
    } finally {
      await node.close();
    }

    const again = await runCli(['migrate', '--from', `sqlite:${dataDir}`, '--to', url]);
    assert.equal(again.code, 73);
    assert.match(again.stderr, /already has accounts/);
  });

  test('--keep-blob-files leaves the bodies as files for nodes on store.blobs "files"', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const url = await cluster.createDatabase();
    const migrated = await runCli([
      'migrate',
      '--from',
      `sqlite:${dataDir}`,
      '--to',
      url,
      '--keep-blob-files',
    ]);
    assert.equal(migrated.code, 0, migrated.stderr);
    // The small bodies SQLite kept in its database become blob files the PostgreSQL nodes read.
    assert.match(migrated.stdout, /wrote \d+ blobs as files to /);
    assert.match(migrated.stdout, /store\.blobs "files"/);
    const node = await startTestServer(
      { store: { backend: 'postgres', postgresUrl: url, blobs: 'files' } },
      { dataDir },
    );
    try {
      assert.equal((await uidls(node)).length, 3);
      for (const message of await node.ctx.store.getMessages((await inbox(node)).id, [1, 3, 4])) {
        assert.match((await node.ctx.store.blobs.read(message.blobId)).toString(), /^Return-Path: /);
      }
      assert.deepEqual((await node.ctx.store.checkIntegrity()).problems, []);
    } finally {
      await node.close();
    }
    const both = await runCli([
      'migrate',
      '--from',
      `sqlite:${dataDir}`,
      '--to',
      url,
      '--blobs',
      dataDir,
      '--keep-blob-files',
    ]);
    assert.equal(both.code, 64);
  });

  test('refuses a missing SQLite store and a non-PostgreSQL target', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'postyard-migrate-empty-'));
    try {
      const missing = await runCli([
        'migrate',
        '--from',
        `sqlite:${empty}`,
        '--to',
        'postgres://x@127.0.0.1/none',
      ]);
      assert.equal(missing.code, 66);
      assert.match(missing.stderr, /no SQLite store/);
      const wrong = await runCli(['migrate', '--from', `sqlite:${empty}`, '--to', 'mysql://x/y']);
      assert.equal(wrong.code, 64);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});
