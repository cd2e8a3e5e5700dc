/**
 * Two Postyard nodes on one PostgreSQL, each with its own data directory (message bodies in the
 * database, store.blobs "postgres": no shared filesystem), driven by real clients:
 * the whole Python imaplib suite with its connections alternating between node A and node B; APPEND
 * on A then FETCH+STORE on B (imaplib); imapflow IDLE on node A sees a message delivered over LMTP
 * (Python's smtplib.LMTP) to node B; QRESYNC on B after changes made on A; the POP3 maildrop lock
 * holds across nodes (Python's poplib gets [IN-USE] on B while A has it) and UIDLs are the same on
 * both; a message-count quota is exact under concurrent LMTP deliveries to both nodes.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { runCli } from '../cli/helpers.js';
import { postgresAvailable } from '../helpers/postgres.js';
import { startTwoNodes, type TwoNodes } from '../helpers/postgres-nodes.js';
import type { TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { runImaplibSuite } from '../imap/imaplib-suite.js';
import { python } from '../pop3/helpers.js';

const LOGIN = 'alice@example.org';
const PASSWORD = 'correct horse';

describe('two nodes on one PostgreSQL', { skip: !postgresAvailable() }, () => {
  let nodes: TwoNodes | undefined;
  let dataDir: string;
  let nodeA: TestServer;
  let nodeB: TestServer;

  before(async () => {
    // The CLI's data directory (`postyard deliver`); each node makes its own.
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-nodes-'));
    nodes = await startTwoNodes();
    ({ nodeA, nodeB } = nodes);
    await nodeA.addUser(LOGIN, PASSWORD);
  });

  /** A fresh account per test (created on node B: every node sees it). */
  let accounts = 0;
  async function freshAccount(settings?: { quotaMessages: number }): Promise<string> {
    const login = `user${++accounts}@example.org`;
    await nodeB.addUser(login, PASSWORD, settings);
    return login;
  }
  after(async () => {
    await nodes?.close();
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

  test('Python imaplib: the whole suite, connections alternating between node A and node B', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const users: [{ login: string; password: string }, { login: string; password: string }] = [
      { login: await freshAccount(), password: PASSWORD },
      { login: await freshAccount(), password: PASSWORD },
    ];
    const { code, output } = await runImaplibSuite({
      ports: [nodeA.ports.imap!, nodeB.ports.imap!],
      users,
    });
    assert.equal(code, 0, output);
    assert.match(output, /^OK/m);
  });

  test('imaplib: CREATE on B, APPEND on A, FETCH and STORE on B, A sees the flag', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const login = await freshAccount();
    const result = await python(
      String.raw`
import imaplib, json, re, sys
a_port, b_port, user, password = sys.argv[1:5]
a = imaplib.IMAP4('127.0.0.1', int(a_port)); a.login(user, password)
b = imaplib.IMAP4('127.0.0.1', int(b_port)); b.login(user, password)
msg = b'From: a@example.org\r\nSubject: A to B\r\n\r\nwritten on node A\r\n'
out = {'create': b.create('Nodes')[0]}
typ, data = a.append('Nodes', None, None, msg)
out['appenduid'] = re.search(rb'APPENDUID \d+ (\d+)', data[0]).group(1).decode()
b.select('Nodes')
typ, data = b.uid('FETCH', out['appenduid'], '(BODY.PEEK[] FLAGS)')
out['body_equal'] = data[0][1] == msg
out['store'] = b.uid('STORE', out['appenduid'], '+FLAGS', '(\\Flagged)')[0]
a.select('Nodes')
typ, data = a.uid('FETCH', out['appenduid'], '(FLAGS)')
out['flags_on_a'] = data[0].decode()
a.logout(); b.logout()
print(json.dumps(out))
`,
      [String(nodeA.ports.imap), String(nodeB.ports.imap), login, PASSWORD],
    );
    const out = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(out.create, 'OK');
    assert.equal(out.appenduid, '1');
    assert.equal(out.body_equal, true);
    assert.equal(out.store, 'OK');
    assert.match(String(out.flags_on_a), /FLAGS \([^)]*\\Flagged/);
  });

  test('QRESYNC on node B after flag changes, expunges and appends on node A (imaplib)', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const login = await freshAccount();
    const result = await python(
      String.raw`
import imaplib, json, sys
a_port, b_port, user, password = sys.argv[1:5]
imaplib.Commands.setdefault('ENABLE', ('AUTH',))
msg = lambda n: b'Subject: message %d\r\n\r\nbody\r\n' % n

def node(port):
    m = imaplib.IMAP4('127.0.0.1', int(port)); m.login(user, password)
    assert m._simple_command('ENABLE', 'QRESYNC')[0] == 'OK'
    return m

a = node(a_port)
for n in range(1, 5):
    a.append('INBOX', None, None, msg(n))
a.logout()
b = node(b_port)
b.select('INBOX')
uidvalidity = b.response('UIDVALIDITY')[1][0].decode()
highest = b.response('HIGHESTMODSEQ')[1][0].decode()
b.logout()

a = node(a_port)
a.select('INBOX')
a.uid('STORE', '2', '+FLAGS', '(\\Seen)')
a.uid('STORE', '3', '+FLAGS', '(\\Deleted)')
a.expunge()
a.append('INBOX', None, None, msg(5))
a.logout()

b = node(b_port)
typ, data = b._simple_command('SELECT', 'INBOX', '(QRESYNC (%s %s))' % (uidvalidity, highest))
out = {'select': typ,
       'vanished': [v.decode() for v in b.response('VANISHED')[1] if v],
       'fetch': [f.decode() for f in b.response('FETCH')[1] if f]}
b.logout()
print(json.dumps(out))
`,
      [String(nodeA.ports.imap), String(nodeB.ports.imap), login, PASSWORD],
    );
    const out = JSON.parse(result.stdout) as { select: string; vanished: string[]; fetch: string[] };
    assert.equal(out.select, 'OK');
    assert.deepEqual(out.vanished, ['(EARLIER) 3']);
    const changedUids = out.fetch.map((f) => Number(/UID (\d+)/.exec(f)?.[1])).sort((x, y) => x - y);
    assert.deepEqual(changedUids, [2, 5], out.fetch.join('\n'));
    assert.match(out.fetch.find((f) => /UID 2\b/.test(f)) ?? '', /\\Seen/);
  });

  test("POP3 UIDLs and sizes are the same on both nodes (Python's poplib)", async (t) => {
    if (!requireTool(t, 'python3')) return;
    const login = await freshAccount();
    const result = await python(
      `
import json, poplib, smtplib, sys
a_port, b_port, lmtp_port, user, password = sys.argv[1:6]
for n in range(3):
    l = smtplib.LMTP('127.0.0.1', int(lmtp_port))
    l.sendmail('bob@example.net', [user], b'Subject: pop %d\\r\\n\\r\\nbody %d\\r\\n' % (n, n))
    l.quit()
out = {}
for name, port in (('a', a_port), ('b', b_port)):
    p = poplib.POP3('127.0.0.1', int(port)); p.user(user); p.pass_(password)
    out[name] = {'uidl': [x.decode() for x in p.uidl()[1]], 'list': [x.decode() for x in p.list()[1]]}
    p.quit()
print(json.dumps(out))
`,
      [String(nodeA.ports.pop3), String(nodeB.ports.pop3), String(nodeA.ports.lmtp), login, PASSWORD],
    );
    const out = JSON.parse(result.stdout) as Record<'a' | 'b', { uidl: string[]; list: string[] }>;
    assert.equal(out.a.uidl.length, 3);
    assert.deepEqual(out.b, out.a);
  });

  test('a message-count quota is exact under concurrent LMTP deliveries to both nodes', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const limit = 10;
    const login = await freshAccount({ quotaMessages: limit });
    const result = await python(
      `
import json, smtplib, sys
from concurrent.futures import ThreadPoolExecutor
ports, user = [int(p) for p in sys.argv[1:3]], sys.argv[3]

def deliver(n):
    l = smtplib.LMTP('127.0.0.1', ports[n % 2])
    try:
        l.sendmail('bob@example.net', [user], b'Subject: quota %d\\r\\n\\r\\nbody\\r\\n' % n)
        return 'accepted'
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
        return 'refused'
    finally:
        l.quit()

with ThreadPoolExecutor(12) as pool:
    outcomes = list(pool.map(deliver, range(36)))
print(json.dumps({'accepted': outcomes.count('accepted'), 'refused': outcomes.count('refused')}))
`,
      [String(nodeA.ports.lmtp), String(nodeB.ports.lmtp), login],
    );
    const out = JSON.parse(result.stdout) as { accepted: number; refused: number };
    assert.deepEqual(out, { accepted: limit, refused: 36 - limit });
    const account = (await nodeA.ctx.store.getAccount(login))!;
    assert.equal((await nodeA.ctx.store.getQuotaUsage(account.id)).messages, limit);
    const inbox = (await nodeB.ctx.store.getMailbox(account.id, 'INBOX'))!;
    assert.equal((await nodeB.ctx.store.getIndex(inbox.id)).uids.length, limit);
  });
});
