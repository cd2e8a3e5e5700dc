/**
 * Issue 5 / RFC 1939 6 under kill -9: POP3 deletions happen only at QUIT (UPDATE state), atomically.
 * Many sessions mark messages with DELE and QUIT while the server is killed: a QUIT answered +OK means
 * every marked message is gone; a QUIT without an answer leaves all or none of its marks applied, never
 * a part; a session killed before its QUIT deletes nothing; unmarked messages all stay; the store
 * passes `doctor --check`.
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { ingestMessage } from '../../src/server/delivery/ingest.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { createAccounts, makeDataDir, startChildServer } from './helpers/child-server.js';
import { messageWithId } from './helpers/imap.js';
import { type Pop3, pop3Connect, pop3UserPass } from './helpers/pop3.js';
import { runDoctorCheck, storedMessageIds } from './helpers/store-check.js';

const PASSWORD = 'kill-pop3-pw';
const USERS = Array.from({ length: 8 }, (_, i) => `p${i}@example.org`);
const MESSAGES_PER_USER = 12;

interface Session {
  login: string;
  /** Message-IDs marked with DELE, and what the QUIT said. */
  marked: string[];
  quitSent: boolean;
  quit: 'ok' | 'err' | 'none';
}

/** Every user gets MESSAGES_PER_USER messages `<user>-<n>@kill.test`, written straight into the store. */
async function fill(dataDir: string): Promise<void> {
  const store = await openSqliteStore({ dataDir });
  try {
    for (const login of USERS) {
      const account = (await store.getAccount(login))!;
      const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
      for (let n = 0; n < MESSAGES_PER_USER; n++) {
        const raw = Buffer.from(messageWithId(`${login}-${n}@kill.test`, 'z'.repeat(n * 50)));
        const { blob, meta } = await ingestMessage(store, raw, { maxSize: 1 << 20 });
        await store.append({ accountId: account.id, mailboxId: inbox.id, blob, meta });
      }
    }
  } finally {
    await store.close();
  }
}

/** Logs in, maps message numbers to Message-IDs with TOP, DELEs every other one, QUITs. */
async function session(port: number, login: string, onQuitSent: () => void): Promise<Session> {
  const result: Session = { login, marked: [], quitSent: false, quit: 'none' };
  let pop3: Pop3;
  try {
    pop3 = await pop3Connect(port);
    if (!(await pop3UserPass(pop3, login, PASSWORD)).startsWith('+OK')) return result;
  } catch {
    return result;
  }
  try {
    const count = Number((await pop3.cmd('STAT')).split(' ')[1]);
    for (let n = 1; n <= count; n += 2) {
      const top = await pop3.multi(`TOP ${n} 0`);
      const id = top.lines.map((l) => /^Message-ID: <([^>]+)>/i.exec(l)?.[1]).find(Boolean);
      assert.ok(id, `TOP ${n} shows a Message-ID`);
      if (!(await pop3.cmd(`DELE ${n}`)).startsWith('+OK')) return result;
      result.marked.push(id);
    }
    result.quitSent = true;
    onQuitSent();
    const reply = await pop3.cmd('QUIT', 20_000);
    result.quit = reply.startsWith('+OK') ? 'ok' : 'err';
  } catch {
    // killed mid-session
  } finally {
    pop3.close();
  }
  return result;
}

for (const [round, killAfterQuits] of [
  [1, 2],
  [2, 5],
] as const) {
  test(`kill -9 during POP3 QUIT: +OK means deleted, no answer means all or nothing (round ${round})`, {
    timeout: 120_000,
  }, async (t) => {
    const dataDir = await makeDataDir('kill-pop3');
    try {
      await createAccounts(dataDir, Object.fromEntries(USERS.map((u) => [u, PASSWORD])));
      await fill(dataDir);
      const server = await startChildServer(dataDir);
      let quits = 0;
      const onQuitSent = () => {
        quits += 1;
        if (quits === killAfterQuits) setImmediate(() => server.child.kill('SIGKILL'));
      };
      const sessions = await Promise.all(
        USERS.map((login) => session(server.ports.pop3!, login, onQuitSent)),
      );
      await server.kill();
      t.diagnostic(`QUIT answers: ${sessions.map((s) => s.quit).join(' ')}`);
      assert.deepEqual(
        sessions.filter((s) => s.quit === 'err'),
        [],
        'no QUIT was refused while the server was up',
      );

      const doctor = await runDoctorCheck(dataDir);
      assert.equal(doctor.code, 0, doctor.output);
      const { contents, seriousProblems } = await storedMessageIds(dataDir, USERS, ['INBOX']);
      assert.deepEqual(seriousProblems, []);
      for (const s of sessions) {
        const inbox = contents.get(`${s.login} INBOX`)!;
        const all = Array.from({ length: MESSAGES_PER_USER }, (_, n) => `${s.login}-${n}@kill.test`);
        const kept = all.filter((id) => !s.marked.includes(id));
        for (const id of kept) assert.equal(inbox.get(id), 1, `${id} was never marked and must stay`);
        const gone = s.marked.filter((id) => !inbox.has(id)).length;
        if (s.quit === 'ok')
          assert.equal(gone, s.marked.length, `${s.login}: QUIT +OK but marks not applied`);
        else
          assert.ok(
            gone === 0 || gone === s.marked.length,
            `${s.login}: ${gone} of ${s.marked.length} deleted`,
          );
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
