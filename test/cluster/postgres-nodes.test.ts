/**
 * Two Postyard nodes on one PostgreSQL (and one shared blob directory), driven by real clients:
 * imapflow IDLE on node A sees a message delivered over LMTP (Python's smtplib.LMTP) to node B, and
 * the POP3 maildrop lock holds across nodes (Python's poplib gets [IN-USE] on B while A has it).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { runCli } from '../cli/helpers.js';
import { postgresAvailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { installTestCertificate, startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { python } from '../pop3/helpers.js';

const LOGIN = 'alice@example.org';
const PASSWORD = 'correct horse';

describe('two nodes on one PostgreSQL', { skip: !postgresAvailable() }, () => {
  let cluster: TestPostgres;
  let dataDir: string;
  let nodeA: TestServer;
  let nodeB: TestServer;

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-nodes-'));
    await installTestCertificate(dataDir);
    const overrides = { store: { backend: 'postgres' as const, postgresUrl: url } };
    nodeA = await startTestServer(overrides, { dataDir });
    nodeB = await startTestServer(overrides, { dataDir });
    await nodeA.addUser(LOGIN, PASSWORD);
  });
  after(async () => {
    await nodeA?.close();
    await nodeB?.close();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('imapflow IDLE on node A sees an LMTP delivery on node B', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: nodeA.ports.imap!,
      secure: false,
      auth: { user: LOGIN, pass: PASSWORD },
      logger: false,
      tls: { rejectUnauthorized: false },
    });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const seen = new Promise<{ count: number; at: number }>((resolve) =>
          client.on('exists', (data: { count: number }) => resolve({ count: data.count, at: Date.now() })),
        );
        void client.idle();
        const result = await python(
          `
import smtplib, sys, time
l = smtplib.LMTP('127.0.0.1', int(sys.argv[1]))
refused = l.sendmail('bob@example.net', [sys.argv[2]], b'Subject: across nodes\\r\\n\\r\\nhello from B\\r\\n')
l.quit()
print(len(refused), int(time.time() * 1000))
`,
          [String(nodeB.ports.lmtp), LOGIN],
        );
        const [refused, acceptedAt] = result.stdout.trim().split(' ').map(Number);
        assert.equal(refused, 0);
        const { count, at } = await seen;
        assert.equal(count, 1);
        t.diagnostic(`EXISTS on node A ${at - acceptedAt!} ms after node B acknowledged the delivery`);
      } finally {
        lock.release();
      }
      const message = await client.fetchOne('1', { envelope: true }, { uid: false });
      assert.ok(message);
      assert.equal(message.envelope?.subject, 'across nodes');
    } finally {
      await client.logout();
    }
  });

  test('`postyard deliver` on a PostgreSQL config is a writer whose change reaches the running nodes', async () => {
    const account = (await nodeA.ctx.store.getAccount(LOGIN))!;
    const inbox = (await nodeA.ctx.store.getMailbox(account.id, 'INBOX'))!;
    const changed = new Promise<number>((resolve) => {
      const off = nodeA.ctx.bus.subscribeMailbox(inbox.id, (change) => {
        off();
        resolve(change.modseq);
      });
    });
    const configFile = join(dataDir, 'cli.json');
    const url = nodeA.ctx.config.store.postgresUrl!;
    await writeFile(
      configFile,
      JSON.stringify({ dataDir, store: { backend: 'postgres', postgresUrl: url } }),
    );
    const result = await runCli(['deliver', '--to', LOGIN, '--config', configFile], {
      input: 'Subject: from the CLI\r\n\r\nhello\r\n',
    });
    assert.equal(result.code, 0, result.stderr);
    const modseq = await changed;
    assert.equal((await nodeA.ctx.store.getMailbox(account.id, 'INBOX'))!.highestModseq, modseq);
  });

  test("the POP3 maildrop lock holds across nodes (Python's poplib)", async (t) => {
    if (!requireTool(t, 'python3')) return;
    const result = await python(
      `
import poplib, sys, json
a_port, b_port, user, password = sys.argv[1:5]
a = poplib.POP3('127.0.0.1', int(a_port)); a.user(user); a.pass_(password)
b = poplib.POP3('127.0.0.1', int(b_port)); b.user(user)
try:
    b.pass_(password); refused = None
except poplib.error_proto as e:
    refused = e.args[0].decode()
a.quit()
b2 = poplib.POP3('127.0.0.1', int(b_port)); b2.user(user); b2.pass_(password)
count = b2.stat()[0]
b2.quit()
print(json.dumps({'refused': refused, 'count': count}))
`,
      [String(nodeA.ports.pop3), String(nodeB.ports.pop3), LOGIN, PASSWORD],
    );
    const { refused, count } = JSON.parse(result.stdout) as { refused: string | null; count: number };
    assert.match(refused ?? '', /^-ERR \[IN-USE\]/);
    // Once A quit (and released the lock), B gets the maildrop.
    const account = (await nodeB.ctx.store.getAccount(LOGIN))!;
    const inbox = (await nodeB.ctx.store.getMailbox(account.id, 'INBOX'))!;
    assert.equal(count, (await nodeB.ctx.store.getIndex(inbox.id)).uids.length);
  });
});
