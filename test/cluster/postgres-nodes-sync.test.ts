/**
 * Synchronising clients moving between two Postyard nodes on one PostgreSQL, as behind a load balancer
 * that sends each connection anywhere: mbsync (isync) syncs against node A, then against node B, then A
 * again, with changes on both sides in between, and must carry each change once (same UIDVALIDITY and
 * UIDs on every node, so its sync state stays valid); imapflow resynchronises on node B with CONDSTORE
 * CHANGEDSINCE and VANISHED (QRESYNC) after changes made on node A, and gets exactly those changes.
 * Also: a message with NUL bytes (which PostgreSQL text cannot hold) is accepted over LMTP and found.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { installTestCertificate, startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { python } from '../pop3/helpers.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse';

function message(subject: string): string {
  return `From: a@example.org\r\nTo: b@example.org\r\nSubject: ${subject}\r\n\r\n${subject} body\r\n`;
}

function imapflow(node: TestServer, user: string, qresync = false): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: node.ports.imap!,
    secure: false,
    auth: { user, pass: PASSWORD },
    logger: false,
    qresync,
    // The test certificate is self-signed; STARTTLS is offered and imapflow takes it.
    tls: { rejectUnauthorized: false },
  });
}

/** Runs `body` with an imapflow session on `node`. */
async function withClient<T>(node: TestServer, user: string, body: (c: ImapFlow) => Promise<T>): Promise<T> {
  const client = imapflow(node, user);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.logout();
  }
}

describe('sync clients alternating between two nodes on one PostgreSQL', {
  skip: !postgresAvailable(),
}, () => {
  let cluster: TestPostgres;
  let dataDir: string;
  let workDir: string;
  let nodeA: TestServer;
  let nodeB: TestServer;

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-nodes-sync-'));
    workDir = await mkdtemp(join(tmpdir(), 'postyard-nodes-sync-client-'));
    await installTestCertificate(dataDir);
    const overrides = { store: { backend: 'postgres' as const, postgresUrl: url } };
    nodeA = await startTestServer(overrides, { dataDir });
    nodeB = await startTestServer(overrides, { dataDir });
  });
  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  });

  test('mbsync against node A, then B, then A carries every change once', async (t) => {
    if (!requireTool(t, 'mbsync')) return;
    const user = 'mbsync@example.org';
    await nodeA.addUser(user, PASSWORD);
    await withClient(nodeA, user, async (c) => {
      await c.mailboxCreate('Projects');
      for (let i = 1; i <= 3; i++) {
        await c.append('INBOX', message(`Inbox ${i}`));
        await c.append('Projects', message(`Project ${i}`));
      }
    });
    const mail = join(workDir, 'mail');
    await mkdir(mail, { recursive: true });
    const mbsync = async (node: TestServer) => {
      const config = join(workDir, 'mbsyncrc');
      await writeFile(
        config,
        `IMAPAccount postyard\nHost 127.0.0.1\nPort ${node.ports.imap}\nUser ${user}\nPass "${PASSWORD}"\n` +
          'SSLType None\nAuthMechs LOGIN\n\nIMAPStore remote\nAccount postyard\n\n' +
          `MaildirStore local\nPath ${mail}/\nInbox ${mail}/INBOX\nSubFolders Verbatim\n\n` +
          'Channel sync\nFar :remote:\nNear :local:\nPatterns *\nCreate Both\nRemove Both\nExpunge Both\n' +
          'SyncState *\n',
      );
      const { stdout } = await run('mbsync', ['-c', config, '-a', '-V'], { timeout: 60_000 });
      return stdout;
    };
    const files = async (folder: string) => {
      const out: string[] = [];
      for (const sub of ['cur', 'new']) {
        for (const f of await readdir(join(mail, folder, sub)).catch(() => [] as string[]))
          out.push(join(sub, f));
      }
      return out.sort();
    };

    // 1. Node A: the first full sync.
    await mbsync(nodeA);
    assert.equal((await files('INBOX')).length, 3);
    assert.equal((await files('Projects')).length, 3);

    // 2. Changes on both sides, then node B: local flag and delete go up, the server's come down.
    const [first] = await files('INBOX');
    await rename(
      join(mail, 'INBOX', first!),
      join(mail, 'INBOX', `cur/${first!.split('/')[1]!.split(':')[0]}:2,F`),
    );
    const [report] = await files('Projects');
    await unlink(join(mail, 'Projects', report!));
    await withClient(nodeA, user, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageFlagsAdd('3', ['\\Seen']);
        await c.messageDelete('2');
        await c.append('INBOX', message('Inbox 4'));
      } finally {
        lock.release();
      }
    });
    await mbsync(nodeB);
    const inbox = await files('INBOX');
    assert.equal(inbox.length, 3, inbox.join('\n'));
    const subjects = await Promise.all(
      inbox.map(async (f) => /Subject: (.*)/.exec(await readFile(join(mail, 'INBOX', f), 'latin1'))?.[1]),
    );
    assert.deepEqual(subjects.sort(), ['Inbox 1', 'Inbox 3', 'Inbox 4']);
    assert.ok(
      inbox.some((f) => /:2,[A-Z]*S/.test(f)),
      `the \\Seen set on node A reached the Maildir: ${inbox.join(' ')}`,
    );
    await withClient(nodeB, user, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        const flagged = await c.search({ flagged: true });
        assert.equal((flagged || []).length, 1, 'the local \\Flagged reached the server');
      } finally {
        lock.release();
      }
      const status = await c.status('Projects', { messages: true });
      assert.ok(status, 'STATUS Projects');
      assert.equal(status.messages, 2, 'the local deletion reached the server');
    });

    // 3. Back to node A with nothing changed: nothing moves, nothing is downloaded again.
    const before = [...(await files('INBOX')), ...(await files('Projects'))];
    const output = await mbsync(nodeA);
    assert.deepEqual([...(await files('INBOX')), ...(await files('Projects'))], before, output);
  });

  test('imapflow resynchronises on node B after changes on node A (CHANGEDSINCE, VANISHED)', async () => {
    const user = 'flow@example.org';
    await nodeB.addUser(user, PASSWORD);
    await withClient(nodeB, user, async (c) => {
      for (let i = 1; i <= 6; i++) await c.append('INBOX', message(`Flow ${i}`));
    });
    // The client's state, taken on node B.
    const state = await withClient(nodeB, user, async (c) => {
      const box = await c.mailboxOpen('INBOX');
      return { uidValidity: box.uidValidity, modseq: box.highestModseq };
    });
    // Changes on node A: flags on UIDs 2 and 4, UID 5 expunged, a new message (UID 7).
    await withClient(nodeA, user, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        await c.messageFlagsAdd('2,4', ['\\Flagged'], { uid: true });
        await c.messageDelete('5', { uid: true });
        await c.append('INBOX', message('Flow 7'));
      } finally {
        lock.release();
      }
    });
    // Back on node B: exactly those changes.
    const client = imapflow(nodeB, user, true);
    await client.connect();
    try {
      const vanished: number[] = [];
      client.on('expunge', (event: { uid?: number; vanished?: boolean }) => {
        if (event.vanished && event.uid) vanished.push(event.uid);
      });
      const flagged: number[] = [];
      client.on('flags', (event: { uid?: number; flags?: Set<string> }) => {
        if (event.uid && event.flags?.has('\\Flagged')) flagged.push(event.uid);
      });
      // SELECT INBOX (QRESYNC (uidvalidity modseq)): VANISHED (EARLIER) and FETCH FLAGS for the changes.
      const box = await client.mailboxOpen('INBOX', {
        uidValidity: state.uidValidity,
        changedSince: state.modseq,
      });
      assert.equal(box.uidValidity, state.uidValidity, 'the same UIDVALIDITY on both nodes');
      assert.deepEqual(vanished, [5]);
      assert.deepEqual(flagged.sort(), [2, 4]);
      const changed: { uid: number; flags: string[] }[] = [];
      for await (const m of client.fetch(
        '1:*',
        { uid: true, flags: true },
        { uid: true, changedSince: state.modseq },
      )) {
        changed.push({ uid: m.uid, flags: [...(m.flags ?? [])].sort() });
      }
      assert.deepEqual(
        changed.map((m) => m.uid),
        [2, 4, 7],
        JSON.stringify(changed),
      );
      assert.ok(changed[0]!.flags.includes('\\Flagged'));
      const all = await client.search({ all: true }, { uid: true });
      assert.deepEqual(all, [1, 2, 3, 4, 6, 7]);
    } finally {
      await client.logout();
    }
  });

  test('a message with a NUL byte in its body is accepted over LMTP on node A and found on node B', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const user = 'nul@example.org';
    await nodeA.addUser(user, PASSWORD);
    const result = await python(
      `
import smtplib, sys
l = smtplib.LMTP('127.0.0.1', int(sys.argv[1]))
refused = l.sendmail('bob@example.net', [sys.argv[2]], b'Subject: zero byte\\r\\nFrom: bob@example.net\\r\\n\\r\\nbody with a \\x00 inside\\r\\n')
l.quit()
print(len(refused))
`,
      [String(nodeA.ports.lmtp), user],
    );
    assert.equal(result.stdout.trim(), '0', result.stdout);
    await withClient(nodeB, user, async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        assert.deepEqual(await c.search({ body: 'inside' }, { uid: true }), [1]);
        const message = await c.fetchOne('1', { source: true }, { uid: true });
        assert.ok(message, 'UID 1');
        assert.ok(message.source?.includes(Buffer.from('a \0 inside')), 'the bytes as sent');
      } finally {
        lock.release();
      }
    });
  });
});
