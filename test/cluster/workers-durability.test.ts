/**
 * DESIGN.md invariant with `workers: 2`: an acknowledged APPEND (OK [APPENDUID]) survives kill -9 of the
 * whole server, primary and workers at once, while both workers are writing the same mailbox. The store
 * is reopened: every acknowledged UID is there, UIDs are unique, and the integrity check is clean.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { appendCommand, type RawImap, rawImap } from '../imap/harness.js';
import { startWorkersServer } from './helpers/workers-server.js';

const LOGIN = 'durable@example.com';
const PASSWORD = 'secret pass';
const CLIENTS = 6;
/** Acknowledged APPENDs to wait for before the kill (writes are still in flight then). */
const KILL_AFTER = 60;

test('kill -9 of primary and workers mid-APPEND loses nothing acknowledged', async () => {
  const srv = await startWorkersServer({ workers: 2 });
  try {
    await srv.addUser(LOGIN, PASSWORD);
    const clients: RawImap[] = [];
    for (let i = 0; i < CLIENTS; i++)
      clients.push(await rawImap(srv.ports.imap!, { login: LOGIN, password: PASSWORD }));
    const workers = new Set(await Promise.all(clients.map((c) => srv.workerOf(c.client.socket.localPort!))));
    assert.equal(workers.size, 2, 'the clients write through both workers');

    const acknowledged: number[] = [];
    let killed = false;
    const killAll = () => {
      if (killed) return;
      killed = true;
      for (const pid of srv.readyWorkers().values()) process.kill(pid, 'SIGKILL');
      srv.child.kill('SIGKILL');
    };
    const exited = once(srv.child, 'exit');
    await Promise.all(
      clients.map(async (c, n) => {
        for (let i = 0; !killed; i++) {
          const message = `From: a@example.com\r\nSubject: ${n}-${i}\r\nMessage-ID: <${n}-${i}@x>\r\n\r\nbody\r\n`;
          const lines = await c.run(appendCommand('INBOX', message)).catch(() => [] as string[]);
          const uid = /OK \[APPENDUID \d+ (\d+)\]/.exec(lines.at(-1) ?? '')?.[1];
          if (uid === undefined) break;
          acknowledged.push(Number(uid));
          if (acknowledged.length >= KILL_AFTER) killAll();
        }
      }),
    );
    await exited;
    await Promise.all(clients.map((c) => c.close()));

    const store = await openSqliteStore({ dataDir: srv.dataDir });
    try {
      const account = (await store.getAccount(LOGIN))!;
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
      const uids = new Set((await store.getIndex(inbox.id)).uids);
      const lost = acknowledged.filter((uid) => !uids.has(uid));
      assert.deepEqual(lost, [], 'every acknowledged APPEND is stored');
      assert.equal(new Set(acknowledged).size, acknowledged.length, 'no UID given twice');
      const report = await store.checkIntegrity();
      assert.deepEqual(report.problems, []);
    } finally {
      await store.close();
    }
  } finally {
    await srv.remove();
  }
});
