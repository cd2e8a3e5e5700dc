/** Configurable behaviour: DELE policy (server and per user), snapshot sessions, UIDL format, \Seen, LOGIN-DELAY. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import {
  ALICE,
  BOB,
  command,
  deliver,
  expectOk,
  inboxUids,
  PASSWORD,
  pop3Connect,
  pop3Login,
  readMultiLine,
  simpleMessage,
  startPop3Server,
} from './helpers.js';

test('hide policy: the message leaves POP3 but stays in INBOX for IMAP; a per-user setting overrides the server', async () => {
  const srv = await startPop3Server(
    { pop3: { deletePolicy: 'hide' } },
    { [ALICE]: {}, [BOB]: { popDeletePolicy: 'expunge' } },
  );
  try {
    const aliceUids = [
      await deliver(srv, ALICE, simpleMessage(1)),
      await deliver(srv, ALICE, simpleMessage(2)),
    ];
    const bobUids = [await deliver(srv, BOB, simpleMessage(1)), await deliver(srv, BOB, simpleMessage(2))];
    for (const login of [ALICE, BOB]) {
      const client = await pop3Login(srv.ports.pop3!, login);
      await expectOk(client, 'DELE 1');
      await expectOk(client, 'QUIT');
      await client.waitClosed();
    }
    assert.deepEqual(await inboxUids(srv, ALICE), aliceUids, 'hidden, not expunged');
    assert.deepEqual(await inboxUids(srv, BOB), [bobUids[1]], 'per-user expunge');
    const client = await pop3Login(srv.ports.pop3!, ALICE);
    assert.match(await command(client, 'UIDL'), /^\+OK 1 messages/);
    const [line] = await readMultiLine(client);
    assert.match(line!, /^1 /);
    assert.ok(line!.includes(aliceUids[1]!.toString(16).toUpperCase().padStart(8, '0')));
    await expectOk(client, 'QUIT');
  } finally {
    await srv.close();
  }
});

test('snapshot mode allows two sessions (and no more than the per-user limit); uid UIDL format; \\Seen on RETR; LOGIN-DELAY advertised and enforced', async () => {
  const srv = await startPop3Server({
    pop3: { concurrentSessions: 'snapshot', uidlFormat: 'uid', markSeenOnRetr: true },
    limits: { maxConnectionsPerUser: 2 },
  });
  try {
    const uids = [await deliver(srv, ALICE, simpleMessage(1)), await deliver(srv, ALICE, simpleMessage(2))];
    const first = await pop3Login(srv.ports.pop3!, ALICE);
    const second = await pop3Login(srv.ports.pop3!, ALICE);
    const third = await pop3Connect(srv.ports.pop3!);
    await expectOk(third, `USER ${ALICE}`);
    assert.equal(
      await command(third, `PASS ${PASSWORD}`),
      '-ERR [IN-USE] Too many POP3 sessions for this user',
    );
    await third.close();
    assert.equal(await command(first, 'UIDL 2'), `+OK 2 ${uids[1]}`);
    assert.match(await command(first, 'RETR 2'), /^\+OK/);
    await readMultiLine(first);
    await expectOk(second, 'DELE 1');
    await expectOk(second, 'QUIT');
    await expectOk(first, 'QUIT');
    await first.waitClosed();
    const account = (await srv.ctx.store.getAccount(ALICE))!;
    const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
    const [record] = await srv.ctx.store.getMessages(inbox.id, [uids[1]!]);
    assert.ok(record!.flags.includes('\\Seen'), `flags ${record!.flags}`);
    assert.deepEqual(await inboxUids(srv, ALICE), [uids[1]]);
  } finally {
    await srv.close();
  }

  const delayed = await startPop3Server({ pop3: { loginDelay: 3600 } });
  try {
    const client = await pop3Connect(delayed.ports.pop3!);
    await expectOk(client, 'CAPA');
    assert.ok((await readMultiLine(client)).includes('LOGIN-DELAY 3600'));
    await expectOk(client, `USER ${ALICE}`);
    await expectOk(client, `PASS ${PASSWORD}`);
    await expectOk(client, 'QUIT');
    await client.waitClosed();
    const again = await pop3Connect(delayed.ports.pop3!);
    await expectOk(again, `USER ${ALICE}`);
    assert.match(await command(again, `PASS ${PASSWORD}`), /^-ERR \[LOGIN-DELAY\] /);
    await again.close();
  } finally {
    await delayed.close();
  }
});

test('idle timeout closes the connection and deletes nothing', async () => {
  const srv = await startPop3Server({ limits: { pop3IdleTimeout: 1.5 } });
  try {
    const uid = await deliver(srv, ALICE, simpleMessage(1));
    const client = await pop3Login(srv.ports.pop3!, ALICE);
    await expectOk(client, 'DELE 1');
    await client.waitClosed(10_000);
    assert.deepEqual(await inboxUids(srv, ALICE), [uid]);
  } finally {
    await srv.close();
  }
});

test('shutdown says -ERR [SYS/TEMP] to live sessions and deletes nothing', async () => {
  const srv = await startPop3Server();
  const uid = await deliver(srv, ALICE, simpleMessage(1));
  const client = await pop3Login(srv.ports.pop3!, ALICE);
  await expectOk(client, 'DELE 1');
  const idle = await pop3Connect(srv.ports.pop3!);
  const closing = srv.server.close({ graceMs: 5_000 });
  assert.equal(await client.readLine(), '-ERR [SYS/TEMP] Server shutting down');
  assert.equal(await idle.readLine(), '-ERR [SYS/TEMP] Server shutting down');
  await client.waitClosed();
  await closing;
  // The server's store is closed now: look at the data directory with a fresh one.
  const store = await openSqliteStore({ dataDir: srv.dataDir });
  try {
    const account = (await store.getAccount(ALICE))!;
    const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
    assert.deepEqual(Array.from((await store.getIndex(inbox.id)).uids), [uid]);
  } finally {
    await store.close();
    await srv.close();
  }
});

test('\\Seen on RETR: off by default, per-account override either way', async () => {
  const seenAfterRetr = async (srv: Awaited<ReturnType<typeof startPop3Server>>, login: string) => {
    const uid = await deliver(srv, login, simpleMessage(uidCounter++));
    const client = await pop3Login(srv.ports.pop3!, login);
    assert.match(await command(client, 'RETR 1'), /^\+OK/);
    await readMultiLine(client);
    await expectOk(client, 'QUIT');
    await client.waitClosed();
    const account = (await srv.ctx.store.getAccount(login))!;
    const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
    const [record] = await srv.ctx.store.getMessages(inbox.id, [uid]);
    return record!.flags.includes('\\Seen');
  };
  let uidCounter = 1;
  const defaults = await startPop3Server(undefined, { [ALICE]: {}, [BOB]: { popMarkSeen: true } });
  try {
    assert.equal(defaults.ctx.config.pop3.markSeenOnRetr, false);
    assert.equal(await seenAfterRetr(defaults, ALICE), false, 'a download is not reading');
    assert.equal(await seenAfterRetr(defaults, BOB), true, "bob's own setting");
  } finally {
    await defaults.close();
  }
  const marking = await startPop3Server(
    { pop3: { markSeenOnRetr: true } },
    { [ALICE]: {}, [BOB]: { popMarkSeen: false } },
  );
  try {
    assert.equal(await seenAfterRetr(marking, ALICE), true, 'the server setting');
    assert.equal(await seenAfterRetr(marking, BOB), false, "bob's own setting wins");
  } finally {
    await marking.close();
  }
});
