/**
 * FETCH (UID FLAGS MODSEQ) from the in-memory flag index must give exactly the lines the record path
 * gives (which reads the store per batch): after other sessions' STORE, EXPUNGE and APPEND, after a
 * change nobody announced on the bus (another process), with CHANGEDSINCE, and for a store without
 * getFlagColumns (the optional method a backend may leave out); ENVELOPE/BODYSTRUCTURE/BODY with them
 * from Store.getMetaTexts, also read by imapflow.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { ingestMessage } from '../../src/server/delivery/ingest.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import {
  appendCommand,
  type ImapFixture,
  type RawImap,
  rawImap,
  SAMPLE_MESSAGE,
  startImapFixture,
} from './harness.js';

/** Above fetch.ts's FLAG_INDEX_MIN, so `1:*` loads the index. */
const COUNT = 300;

let fx: ImapFixture;
let flagColumnCalls = 0;
before(async () => {
  fx = await startImapFixture(2);
  const store = fx.srv.ctx.store;
  const original = store.getFlagColumns?.bind(store);
  assert.ok(original, 'the SQLite store lists flags as columns');
  store.getFlagColumns = (mailboxId) => {
    flagColumnCalls++;
    return original(mailboxId);
  };
});
after(() => fx.srv.close());

async function fill(store: Store, login: string, mailbox: string, count: number): Promise<number> {
  const account = (await store.getAccount(login))!;
  const box = await store.createMailbox(account.id, mailbox);
  for (let i = 0; i < count; i++) {
    const raw = Buffer.from(
      `From: a@example.com\r\nSubject: m${i}\r\nMessage-ID: <${i}@t>\r\n\r\nbody ${i}\r\n`,
    );
    const { blob, meta } = await ingestMessage(store, raw, { maxSize: 1 << 20 });
    const flags = [
      ...(i % 3 === 0 ? ['\\Seen'] : []),
      ...(i % 7 === 0 ? ['\\Flagged'] : []),
      ...(i % 11 === 0 ? ['$Label1'] : []),
    ];
    await store.append({ accountId: account.id, mailboxId: box.id, blob, meta, flags });
  }
  return box.id;
}

/** The record path: INTERNALDATE is not in the flag index, so this FETCH reads records; then dropped. */
async function viaRecords(c: RawImap, command: string): Promise<string[]> {
  const lines = await c.run(
    command.replace(/\(FLAGS MODSEQ\)|\(FLAGS\)/, (m) => `${m.slice(0, -1)} INTERNALDATE)`),
  );
  assert.match(lines.at(-1) ?? '', /^t\d+ OK/, lines.join('\n'));
  return lines.slice(0, -1).map((l) => l.replace(/ INTERNALDATE "[^"]*"/, ''));
}

async function viaIndex(c: RawImap, command: string): Promise<string[]> {
  const lines = await c.run(command);
  assert.match(lines.at(-1) ?? '', /^t\d+ OK/, lines.join('\n'));
  return lines.slice(0, -1);
}

test('FETCH FLAGS from the flag index equals the record path, before and after changes by others', async () => {
  const store = fx.srv.ctx.store;
  const boxId = await fill(store, fx.users[0]!.login, 'Lots', COUNT);
  const a = await rawImap(fx.port, fx.users[0]);
  const b = await rawImap(fx.port, fx.users[0]);
  try {
    await a.run('ENABLE CONDSTORE');
    await a.run('SELECT Lots');
    const calls = flagColumnCalls;
    const first = await viaIndex(a, 'UID FETCH 1:* (FLAGS MODSEQ)');
    assert.equal(flagColumnCalls, calls + 1, 'the index was loaded for 1:*');
    assert.equal(first.length, COUNT);
    assert.deepEqual(first, await viaRecords(a, 'UID FETCH 1:* (FLAGS MODSEQ)'));
    assert.deepEqual(
      await viaIndex(a, 'FETCH 2:40 (FLAGS)'),
      await viaRecords(a, 'FETCH 2:40 (FLAGS)'),
      'small FETCHes use the loaded index too',
    );
    const { highestModseq } = (await store.getMailboxById(boxId))!;

    // Another session: flags (with a keyword A was never told about), an expunge, a new message.
    await b.run('SELECT Lots');
    await b.run('STORE 5,9,200 +FLAGS (\\Answered NewKeyword)');
    await b.run('STORE 10 -FLAGS (\\Seen)');
    await b.run('STORE 20:22 +FLAGS (\\Deleted)');
    await b.run('EXPUNGE');
    await b.run(appendCommand('Lots', SAMPLE_MESSAGE, '\\Draft'));

    // A's first answer after the changes: the answer lines, then the unsolicited updates for B's STOREs.
    const afterChanges = await viaIndex(a, 'UID FETCH 1:* (FLAGS MODSEQ)');
    const again = await viaIndex(a, 'UID FETCH 1:* (FLAGS MODSEQ)');
    const records = await viaRecords(a, 'UID FETCH 1:* (FLAGS MODSEQ)');
    assert.deepEqual(again, records);
    // The new keyword is announced before the first line showing it, then the lines are the record path's.
    const flagsLine = afterChanges.findIndex((l) => l.startsWith('* FLAGS ') && l.includes('NewKeyword'));
    const shown = afterChanges.findIndex((l) => / FETCH .*NewKeyword/.test(l));
    assert.ok(flagsLine >= 0 && flagsLine < shown, afterChanges.join('\n'));
    // That answer used A's numbering before the EXPUNGEs and the EXISTS sent after it (20:22 still
    // numbered, the new message not yet): the same items per UID, with sequence number = UID.
    const expected = records
      .filter((l) => !l.includes(`UID ${COUNT + 1} `))
      .map((l) => l.replace(/^\* \d+ /, ''));
    const answered = afterChanges.filter((l) => / FETCH /.test(l)).slice(0, expected.length);
    assert.deepEqual(
      answered.map((l) => l.replace(/^\* \d+ /, '')),
      expected,
    );
    assert.ok(
      answered.every((l) => /^\* (\d+) FETCH \(UID \1 /.test(l)),
      answered.join('\n'),
    );
    assert.ok(!records.some((l) => /UID (20|21|22) /.test(l)), 'expunged messages are not answered');
    assert.ok(records.some((l) => new RegExp(`UID ${COUNT + 1} FLAGS \\(\\\\Draft\\)`).test(l)));

    // CONDSTORE: CHANGEDSINCE selects the same messages with the same MODSEQs.
    const since = `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${highestModseq})`;
    const changed = await viaIndex(a, since);
    assert.deepEqual(changed, await viaRecords(a, since));
    assert.deepEqual(
      changed.map((l) => Number(/UID (\d+)/.exec(l)?.[1])),
      [5, 9, 10, 200, COUNT + 1],
      changed.join('\n'),
    );
  } finally {
    await a.close();
    await b.close();
  }
});

test('a change the bus never announced (another process) is in the next FETCH FLAGS answer', async () => {
  const store = fx.srv.ctx.store;
  const boxId = await fill(store, fx.users[1]!.login, 'Quiet', COUNT);
  const a = await rawImap(fx.port, fx.users[1]);
  // A second store on the same data directory without a bus: what `postyard deliver` or a worker is.
  const other = await openSqliteStore({ dataDir: fx.srv.dataDir });
  try {
    await a.run('ENABLE IMAP4rev2'); // no \\Recent in the lines compared below
    await a.run('SELECT Quiet');
    await viaIndex(a, 'FETCH 1:* (FLAGS)');
    await other.storeFlags({ mailboxId: boxId, uids: [3, 4], operation: 'add', flags: ['\\Flagged'] });
    await other.expunge(boxId, { uids: [7], force: true });
    const fetched = await viaIndex(a, 'UID FETCH 1:10 (FLAGS)');
    assert.deepEqual(
      fetched.filter((l) => /UID (3|4|7) /.test(l)).slice(0, 2),
      ['* 3 FETCH (UID 3 FLAGS (\\Flagged))', '* 4 FETCH (UID 4 FLAGS (\\Seen \\Flagged))'],
      fetched.join('\n'),
    );
    assert.ok(!fetched.some((l) => / FETCH \(UID 7 FLAGS/.test(l)), fetched.join('\n'));
    assert.deepEqual(
      await viaIndex(a, 'UID FETCH 1:* (FLAGS)'),
      await viaRecords(a, 'UID FETCH 1:* (FLAGS)'),
    );
  } finally {
    await a.close();
    await other.close();
  }
});

test('a store without getFlagColumns answers FETCH FLAGS from records', async () => {
  const store = fx.srv.ctx.store;
  await fill(store, fx.users[0]!.login, 'NoColumns', COUNT);
  const saved = store.getFlagColumns;
  store.getFlagColumns = undefined;
  const a = await rawImap(fx.port, fx.users[0]);
  try {
    await a.run('SELECT NoColumns');
    const lines = await viaIndex(a, 'FETCH 1:* (FLAGS)');
    assert.equal(lines.length, COUNT);
    assert.deepEqual(lines, await viaRecords(a, 'FETCH 1:* (FLAGS)'));
  } finally {
    store.getFlagColumns = saved;
    await a.close();
  }
});

test('FETCH ENVELOPE/BODYSTRUCTURE/BODY with flags reads only those texts and equals the record path', async () => {
  const store = fx.srv.ctx.store;
  await fill(store, fx.users[1]!.login, 'Texts', COUNT);
  const original = store.getMetaTexts?.bind(store);
  assert.ok(original, 'the SQLite store reads metadata texts alone');
  let textCalls = 0;
  store.getMetaTexts = (mailboxId, uids, fields) => {
    textCalls++;
    return original(mailboxId, uids, fields);
  };
  const a = await rawImap(fx.port, fx.users[1]);
  const b = await rawImap(fx.port, fx.users[1]);
  // INTERNALDATE is answered from records only: the same FETCH with it (then removed) is the record path.
  const withDate = (command: string) => command.replace(/\)$/, ' INTERNALDATE)');
  const dropDate = (lines: string[]) => lines.map((l) => l.replace(/ INTERNALDATE "[^"]*"/, ''));
  try {
    await a.run('ENABLE CONDSTORE');
    await a.run('SELECT Texts');
    await b.run('SELECT Texts');
    await b.run('STORE 5 +FLAGS (\\Answered Other)');
    await b.run('STORE 8 +FLAGS (\\Deleted)');
    await b.run('EXPUNGE');
    await a.run('NOOP');
    for (const command of [
      'UID FETCH 1:* (FLAGS ENVELOPE BODYSTRUCTURE BODY MODSEQ)',
      'FETCH 1:* (BODYSTRUCTURE ENVELOPE)',
      'FETCH 2,4,290:* (ENVELOPE FLAGS ENVELOPE EMAILID)',
    ]) {
      const calls = textCalls;
      const lean = await viaIndex(a, command);
      assert.ok(textCalls > calls, `texts read alone for ${command}`);
      assert.deepEqual(lean, dropDate(await viaIndex(a, withDate(command))), command);
      assert.ok(lean.length > 0 && lean.every((l) => / FETCH \(/.test(l)), lean.join('\n'));
    }
    assert.equal((await viaIndex(a, 'FETCH 1:* (ENVELOPE)')).length, COUNT - 1);

    // A client nobody here wrote parses what this path writes.
    const flow = new ImapFlow({
      host: '127.0.0.1',
      port: fx.port,
      secure: false,
      auth: { user: fx.users[1]!.login, pass: fx.users[1]!.password },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await flow.connect();
    try {
      await flow.mailboxOpen('Texts');
      const calls = textCalls;
      const subjects: string[] = [];
      for await (const m of flow.fetch('1:*', {
        uid: true,
        flags: true,
        envelope: true,
        bodyStructure: true,
      })) {
        assert.equal(m.bodyStructure?.type, 'text/plain');
        subjects.push(m.envelope?.subject ?? '');
      }
      assert.ok(textCalls > calls, 'imapflow was answered from the texts alone');
      assert.equal(subjects.length, COUNT - 1);
      assert.deepEqual(subjects.slice(0, 8), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm8']);
    } finally {
      await flow.logout();
    }
  } finally {
    store.getMetaTexts = original;
    await a.close();
    await b.close();
  }
});
