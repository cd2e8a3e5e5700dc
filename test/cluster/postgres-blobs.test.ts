/**
 * Message bodies in PostgreSQL (store.blobs "postgres"): two nodes with DIFFERENT data directories, so
 * nothing but the database is shared. Mail delivered on node A over LMTP (Python's smtplib) is read
 * byte for byte on node B by Python's imaplib and poplib, and no node writes a blob file; a 20 MB
 * message APPENDed on A is fetched on B with BODY[]<partial> at chunk boundaries and whole. The other
 * choice, "files" on one shared data directory, still works across nodes too.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { postgresAvailable } from '../helpers/postgres.js';
import { startTwoNodes, type TwoNodes } from '../helpers/postgres-nodes.js';
import type { TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { python } from '../pop3/helpers.js';

const PASSWORD = 'correct horse';

/** Blob files under a data directory (there should be none with database blobs). */
async function blobFiles(dataDir: string): Promise<string[]> {
  const root = join(dataDir, 'blobs');
  if (!existsSync(root)) return [];
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}

describe('message bodies in PostgreSQL', { skip: !postgresAvailable() }, () => {
  let nodes: TwoNodes | undefined;
  let nodeA: TestServer;
  let nodeB: TestServer;

  before(async () => {
    nodes = await startTwoNodes();
    ({ nodeA, nodeB } = nodes);
    assert.notEqual(nodeA.dataDir, nodeB.dataDir);
  });
  after(() => nodes?.close());

  test('delivered on node A over LMTP, read on node B by imaplib and poplib; no blob files', async (t) => {
    if (!requireTool(t, 'python3')) return;
    await nodeA.addUser('lmtp@example.org', PASSWORD);
    const result = await python(
      `
import hashlib, imaplib, json, poplib, smtplib, sys
a_port, b_imap, b_pop, user, password = sys.argv[1:]
small = b'Subject: small\\r\\n\\r\\nhello from A\\r\\n'
# Bigger than the staged limit (1 MB): written by put(), in several chunks.
big = b'Subject: big\\r\\n\\r\\n' + b''.join(b'%07d ' % i + b'x' * 70 + b'\\r\\n' for i in range(20000))
l = smtplib.LMTP('127.0.0.1', int(a_port))
refused = [l.sendmail('bob@example.net', [user], m) for m in (small, big)]
l.quit()
m = imaplib.IMAP4('127.0.0.1', int(b_imap)); m.login(user, password); m.select('INBOX')
imap, tails = [], []
for uid, sent in ((b'1', small), (b'2', big)):
    typ, data = m.uid('FETCH', uid, '(RFC822.SIZE BODY.PEEK[])')
    imap.append(hashlib.sha256(data[0][1]).hexdigest())
    # The delivered message is the sent one after the Return-Path and Received lines LMTP adds.
    tails.append(data[0][1].endswith(sent) and len(data[0][1]) < len(sent) + 400)
m.logout()
p = poplib.POP3('127.0.0.1', int(b_pop)); p.user(user); p.pass_(password)
pop = [hashlib.sha256(b'\\r\\n'.join(p.retr(i)[1]) + b'\\r\\n').hexdigest() for i in (1, 2)]
top = p.top(2, 1)[1]
p.quit()
print(json.dumps({'refused': refused, 'tails': tails, 'size': len(big), 'imap': imap, 'pop': pop,
                  'top': [x.decode() for x in top]}))
`,
      [
        String(nodeA.ports.lmtp),
        String(nodeB.ports.imap),
        String(nodeB.ports.pop3),
        'lmtp@example.org',
        PASSWORD,
      ],
    );
    const out = JSON.parse(result.stdout) as {
      refused: unknown[];
      tails: boolean[];
      size: number;
      imap: string[];
      pop: string[];
      top: string[];
    };
    assert.deepEqual(out.refused, [{}, {}]);
    assert.ok(out.size > 1024 * 1024);
    assert.deepEqual(out.tails, [true, true], 'imaplib on B reads the bytes delivered on A');
    assert.deepEqual(out.pop, out.imap, 'poplib on B reads the same bytes');
    assert.deepEqual(out.top.slice(-3), ['Subject: big', '', `0000000 ${'x'.repeat(70)}`]);
    assert.deepEqual(await blobFiles(nodeA.dataDir), []);
    assert.deepEqual(await blobFiles(nodeB.dataDir), []);
  });

  test('a 20 MB message APPENDed on A: imaplib on B fetches BODY[]<partial> across chunks, and whole', async (t) => {
    if (!requireTool(t, 'python3')) return;
    await nodeA.addUser('big@example.org', PASSWORD);
    const result = await python(
      `
import hashlib, imaplib, json, sys
a_port, b_port, user, password = sys.argv[1:]
head = b'Subject: twenty megabytes\\r\\nContent-Type: application/octet-stream\\r\\n\\r\\n'
line = lambda i: b'%08d' % i + bytes(range(65, 91)) * 2 + b'abcdefghijklmnopqr\\r\\n'
msg = head + b''.join(line(i) for i in range(20 * 1024 * 1024 // 80))
a = imaplib.IMAP4('127.0.0.1', int(a_port)); a.login(user, password)
typ, data = a.append('INBOX', None, None, msg)
a.logout()
b = imaplib.IMAP4('127.0.0.1', int(b_port)); b.login(user, password); b.select('INBOX', readonly=True)
C = 256 * 1024
ranges = [(0, 100), (1000, 5000), (C - 10, 20), (3 * C - 1, 2), (5 * C + 17, 3 * C), (len(msg) - 50, 50),
          (len(msg) - 5, 100), (len(msg) + 10, 10)]
partial = []
for start, length in ranges:
    typ, data = b.uid('FETCH', '1', '(BODY.PEEK[]<%d.%d>)' % (start, length))
    got = data[0][1] if isinstance(data[0], tuple) else b''
    partial.append(got == msg[start:start + length])
typ, data = b.uid('FETCH', '1', '(RFC822.SIZE BODY.PEEK[])')
whole = hashlib.sha256(data[0][1]).hexdigest() == hashlib.sha256(msg).hexdigest()
size = int(data[0][0].split(b'RFC822.SIZE ')[1].split(b' ')[0])
b.logout()
print(json.dumps({'append': typ, 'size': size, 'want': len(msg), 'partial': partial, 'whole': whole}))
`,
      [String(nodeA.ports.imap), String(nodeB.ports.imap), 'big@example.org', PASSWORD],
    );
    const out = JSON.parse(result.stdout) as {
      size: number;
      want: number;
      partial: boolean[];
      whole: boolean;
    };
    assert.ok(out.want >= 20 * 1024 * 1024);
    assert.equal(out.size, out.want);
    assert.deepEqual(out.partial, Array(out.partial.length).fill(true));
    assert.equal(out.whole, true);
  });
});

describe('message bodies in shared files (store.blobs "files")', { skip: !postgresAvailable() }, () => {
  let nodes: TwoNodes | undefined;
  let dataDir: string;
  let nodeA: TestServer;
  let nodeB: TestServer;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-file-blobs-'));
    nodes = await startTwoNodes({ blobs: 'files' }, dataDir);
    ({ nodeA, nodeB } = nodes);
  });
  after(async () => {
    await nodes?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  test('delivered on node A, read on node B by imaplib, from a blob file', async (t) => {
    if (!requireTool(t, 'python3')) return;
    await nodeA.addUser('files@example.org', PASSWORD);
    const result = await python(
      `
import imaplib, smtplib, sys
a_port, b_port, user, password = sys.argv[1:]
l = smtplib.LMTP('127.0.0.1', int(a_port))
l.sendmail('bob@example.net', [user], b'Subject: in a file\\r\\n\\r\\nshared directory\\r\\n')
l.quit()
m = imaplib.IMAP4('127.0.0.1', int(b_port)); m.login(user, password); m.select('INBOX')
typ, data = m.fetch('1', '(BODY.PEEK[])')
sys.stdout.buffer.write(data[0][1])
m.logout()
`,
      [String(nodeA.ports.lmtp), String(nodeB.ports.imap), 'files@example.org', PASSWORD],
    );
    assert.ok(result.stdout.endsWith('Subject: in a file\r\n\r\nshared directory\r\n'), result.stdout);
    assert.equal((await blobFiles(dataDir)).length, 1);
  });
});
