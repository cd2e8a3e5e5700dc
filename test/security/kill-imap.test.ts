/**
 * Issue 5 / DESIGN.md invariants: kill -9 of the server while IMAP APPEND, COPY, MOVE and EXPUNGE are in
 * flight on several connections loses no acknowledged effect and duplicates nothing (a MOVE cut short
 * leaves the message in exactly one mailbox). Afterwards the store
 * passes `doctor --check`, and a restarted server hands out UIDs above every acknowledged one.
 * (LMTP delivery under kill -9 is test/delivery/durability.test.ts.)
 */
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { createAccounts, makeDataDir, startChildServer } from './helpers/child-server.js';
import { appendCommand, appendUid, copyUid, type Imap, imapLogin, messageWithId } from './helpers/imap.js';
import { runDoctorCheck, storedMessageIds } from './helpers/store-check.js';

const PASSWORD = 'kill-pw';
const USERS = ['k1@example.org', 'k2@example.org'];
const MAILBOXES = ['INBOX', 'Copies', 'Moved'] as const;
type MailboxName = (typeof MAILBOXES)[number];
const CONNECTIONS_PER_USER = 3;
const MESSAGES_PER_CONNECTION = 40;

/** Whether a message must be in a mailbox after the crash: acknowledged yes/no, or unknown (in flight). */
type Expect = 'yes' | 'no' | 'maybe';

interface Tracked {
  login: string;
  where: Record<MailboxName, Expect>;
  /** A MOVE was sent and not answered: the message must then be in exactly one of INBOX and Moved. */
  moving?: boolean;
}

interface Run {
  tracked: Map<string, Tracked>;
  /** Highest acknowledged UID per "login mailbox" (APPENDUID / COPYUID), and its UIDVALIDITY. */
  maxUid: Map<string, { uid: number; validity: number }>;
  acks: number;
  /** Tagged NO/BAD answers received while the server was alive: never expected. */
  refusals: string[];
}

function noteUid(run: Run, key: string, uid: number, validity: number): void {
  const seen = run.maxUid.get(key);
  if (!seen || uid > seen.uid) run.maxUid.set(key, { uid, validity });
}

/** Runs one command: its lines when OK; null when the connection died or on NO/BAD (recorded). */
async function step(run: Run, imap: Imap, command: string): Promise<string[] | null> {
  let lines: string[];
  try {
    lines = await imap.run(command, 20_000);
  } catch {
    return null; // killed mid-command
  }
  if (!/^s\d+ OK/.test(lines.at(-1) ?? '')) {
    run.refusals.push(`${command.split('\r\n')[0]} → ${lines.at(-1)}`);
    return null;
  }
  run.acks += 1;
  return lines;
}

async function worker(run: Run, port: number, login: string, worker: string, onAck: () => void) {
  let imap: Imap;
  try {
    imap = await imapLogin(port, login, PASSWORD);
    await imap.ok('SELECT INBOX');
  } catch {
    return;
  }
  try {
    for (let i = 0; i < MESSAGES_PER_CONNECTION; i++) {
      const id = `${worker}-m${i}@kill.test`;
      const t: Tracked = { login, where: { INBOX: 'maybe', Copies: 'no', Moved: 'no' } };
      run.tracked.set(id, t);
      // Every fifth message is large, so that some kills land in the middle of a literal.
      const body = i % 5 === 4 ? 'y'.repeat(76).concat('\r\n').repeat(3_000) : 'x'.repeat(i * 97);
      const appended = await step(run, imap, appendCommand('INBOX', messageWithId(id, body)));
      if (!appended) return;
      t.where.INBOX = 'yes';
      const uid = appendUid(appended.at(-1)!);
      assert.ok(uid, `APPENDUID in ${appended.at(-1)}`);
      noteUid(run, `${login} INBOX`, uid.uid, uid.validity);
      onAck();

      const op = i % 4;
      let lines: string[] | null = [];
      if (op === 1) {
        t.where.Copies = 'maybe';
        lines = await step(run, imap, `UID COPY ${uid.uid} Copies`);
        if (lines) t.where.Copies = 'yes';
      } else if (op === 2) {
        Object.assign(t, { moving: true, where: { ...t.where, INBOX: 'maybe', Moved: 'maybe' } });
        lines = await step(run, imap, `UID MOVE ${uid.uid} Moved`);
        if (lines) Object.assign(t, { moving: false, where: { ...t.where, INBOX: 'no', Moved: 'yes' } });
      } else if (op === 3) {
        // Once flagged, another connection's EXPUNGE may remove it too.
        t.where.INBOX = 'maybe';
        lines = await step(run, imap, `UID STORE ${uid.uid} +FLAGS.SILENT (\\Deleted)`);
        if (lines) lines = await step(run, imap, 'EXPUNGE');
        if (lines) t.where.INBOX = 'no';
      }
      if (!lines) return;
      const copied = copyUid(lines);
      if (copied) noteUid(run, `${login} ${op === 1 ? 'Copies' : 'Moved'}`, copied.dest, copied.validity);
      if (op !== 0) onAck();
    }
  } finally {
    imap.close();
  }
}

async function setUp(dataDir: string): Promise<void> {
  await createAccounts(dataDir, Object.fromEntries(USERS.map((u) => [u, PASSWORD])));
  const store = await openSqliteStore({ dataDir });
  try {
    for (const login of USERS) {
      const account = (await store.getAccount(login))!;
      await store.createMailbox(account.id, 'Copies');
      await store.createMailbox(account.id, 'Moved');
    }
  } finally {
    await store.close();
  }
}

function checkContents(run: Run, contents: Awaited<ReturnType<typeof storedMessageIds>>['contents']): void {
  for (const [key, ids] of contents) {
    for (const [id, count] of ids) {
      assert.equal(count, 1, `${id} stored ${count} times in ${key}`);
      const login = key.split(' ')[0]!;
      assert.equal(run.tracked.get(id)?.login, login, `${key} holds ${id}, which no client sent there`);
    }
  }
  for (const [id, t] of run.tracked) {
    if (t.moving) {
      const copies = ['INBOX', 'Moved'].map((m) => contents.get(`${t.login} ${m}`)?.get(id) ?? 0);
      assert.equal(
        copies[0]! + copies[1]!,
        1,
        `${id} interrupted in MOVE: INBOX ${copies[0]}, Moved ${copies[1]}`,
      );
    }
    for (const mailbox of MAILBOXES) {
      const expect = t.where[mailbox];
      if (expect === 'maybe') continue;
      const present = (contents.get(`${t.login} ${mailbox}`)?.get(id) ?? 0) > 0;
      assert.equal(present, expect === 'yes', `${id} in ${t.login} ${mailbox}: acknowledged ${expect}`);
    }
  }
}

/** After a restart, new UIDs in every mailbox are above every acknowledged one; UIDVALIDITY is kept. */
async function checkUidsAfterRestart(run: Run, port: number): Promise<void> {
  for (const login of USERS) {
    const imap = await imapLogin(port, login, PASSWORD);
    try {
      for (const mailbox of MAILBOXES) {
        const lines = await imap.ok(
          appendCommand(mailbox, messageWithId(`after-${login}-${mailbox}@kill.test`)),
        );
        const fresh = appendUid(lines.at(-1)!);
        assert.ok(fresh);
        const before = run.maxUid.get(`${login} ${mailbox}`);
        if (!before) continue;
        assert.equal(fresh.validity, before.validity, `UIDVALIDITY of ${login} ${mailbox} unchanged`);
        assert.ok(fresh.uid > before.uid, `${login} ${mailbox}: new UID ${fresh.uid} > acked ${before.uid}`);
      }
    } finally {
      imap.close();
    }
  }
}

for (const [round, killAfter] of [
  [1, 25],
  [2, 140],
  [3, 320],
] as const) {
  test(`kill -9 during APPEND/COPY/MOVE/EXPUNGE keeps every acknowledged effect, once (round ${round})`, {
    timeout: 120_000,
  }, async (t) => {
    const dataDir = await makeDataDir('kill-imap');
    try {
      await setUp(dataDir);
      const server = await startChildServer(dataDir);
      const run: Run = { tracked: new Map(), maxUid: new Map(), acks: 0, refusals: [] };
      let killed = false;
      const onAck = () => {
        if (!killed && run.acks >= killAfter) {
          killed = true;
          server.child.kill('SIGKILL');
        }
      };
      const workers = USERS.flatMap((login, u) =>
        Array.from({ length: CONNECTIONS_PER_USER }, (_, c) =>
          worker(run, server.ports.imap!, login, `r${round}u${u}c${c}`, onAck),
        ),
      );
      await Promise.all(workers);
      await server.kill();
      assert.deepEqual(run.refusals, [], 'no command was refused while the server was up');
      assert.ok(run.acks >= Math.min(killAfter, 20), `operations were acknowledged (${run.acks})`);
      const inFlight = [...run.tracked.values()].filter((m) => Object.values(m.where).includes('maybe'));
      t.diagnostic(`${run.acks} acknowledged operations, ${inFlight.length} messages in flight at the kill`);

      const doctor = await runDoctorCheck(dataDir);
      assert.equal(doctor.code, 0, doctor.output);
      const { contents, seriousProblems } = await storedMessageIds(dataDir, USERS, MAILBOXES);
      assert.deepEqual(seriousProblems, []);
      checkContents(run, contents);

      const again = await startChildServer(dataDir);
      try {
        await checkUidsAfterRestart(run, again.ports.imap!);
      } finally {
        await again.kill();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
