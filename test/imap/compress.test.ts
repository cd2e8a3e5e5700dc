/**
 * COMPRESS=DEFLATE (RFC 4978) with real clients: Python's zlib over a raw socket (plain, after STARTTLS,
 * on IMAPS, a big FETCH), imapflow (which compresses whenever offered) resynchronising with QRESYNC,
 * and a corrupt deflate stream from the client.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ImapFlow } from 'imapflow';
import { connect } from '../helpers/net.js';
import { requireTool } from '../helpers/tools.js';
import { appendCommand, type ImapFixture, rawImap, SAMPLE_MESSAGE, startImapFixture } from './harness.js';

// The script sits beside the sources (test/imap/); this file runs from dist/test/imap/.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../../test/imap/compress-client.py');

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(2);
});
after(() => fx.srv.close());

async function python(mode: 'plain' | 'starttls' | 'imaps', bigSize = 0): Promise<string> {
  const user = fx.users[0] as ImapFixture['users'][0];
  const port = mode === 'imaps' ? (fx.srv.ports.imaps as number) : fx.port;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    MODE: mode,
    USER: user.login,
    PASS: user.password,
    BIG_SIZE: String(bigSize),
  };
  const child = spawn('python3', [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, output);
  return output;
}

for (const mode of ['plain', 'starttls', 'imaps'] as const) {
  test(`Python zlib: COMPRESS DEFLATE ${mode}, second COMPRESS is NO [COMPRESSIONACTIVE]`, async (t) => {
    if (!requireTool(t, 'python3')) return;
    assert.match(await python(mode), /^OK \d+ \d+/m);
  });
}

test('Python zlib: a 4 MB message APPENDed and FETCHed through compression, byte for byte', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const output = await python('starttls', 4 * 1024 * 1024);
  const [, raw, plain] = /^OK (\d+) (\d+)/m.exec(output) ?? [];
  // The hex in each line does not compress well, the repeated text does: the wire carries less.
  assert.ok(Number(raw) < Number(plain) * 0.8, output);
});

test('a corrupt deflate stream from the client closes that connection only', async () => {
  const user = fx.users[1] as ImapFixture['users'][0];
  const imap = await rawImap(fx.port, user);
  const lines = await imap.run('COMPRESS DEFLATE');
  assert.match(lines.at(-1) ?? '', /^t\d+ OK/);
  // 0xff: a final block of the reserved type 3 (RFC 1951 §3.2.3), invalid from the first byte.
  imap.client.write(Buffer.alloc(64, 0xff));
  await imap.client.waitClosed();
  const other = await rawImap(fx.port, user);
  assert.match((await other.run('NOOP')).at(-1) ?? '', /^t\d+ OK/);
  await other.close();
});

test('COMPRESS before login is not allowed; an unknown mechanism is NO', async () => {
  const client = await connect(fx.port);
  await client.readLine();
  client.send('a1 COMPRESS DEFLATE');
  assert.match(await client.readLine(), /^a1 BAD/);
  await client.close();
  const user = fx.users[1] as ImapFixture['users'][0];
  const imap = await rawImap(fx.port, user);
  assert.match((await imap.run('COMPRESS LZMA')).at(-1) ?? '', /^t\d+ NO/);
  assert.match((await imap.run('NOOP')).at(-1) ?? '', /^t\d+ OK/);
  await imap.close();
});

test('imapflow with QRESYNC and COMPRESS reconnects and gets exactly the changes made elsewhere', async () => {
  const user = fx.users[1] as ImapFixture['users'][0];
  const open = () =>
    new ImapFlow({
      host: '127.0.0.1',
      port: fx.port,
      secure: false,
      auth: { user: user.login, pass: user.password },
      logger: false,
      tls: { rejectUnauthorized: false },
      qresync: true,
    });
  const first = open();
  await first.connect();
  // imapflow turns compression on by itself when the server offers it.
  assert.ok((first as unknown as { _deflate?: unknown })._deflate, 'imapflow did not enable COMPRESS');
  await first.mailboxCreate('Sync');
  for (let i = 1; i <= 5; i++) await first.append('Sync', SAMPLE_MESSAGE.replace('Sample', `Sample ${i}`));
  const box = await first.mailboxOpen('Sync');
  const known = { uidValidity: box.uidValidity, modseq: box.highestModseq };
  await first.logout();

  // Elsewhere (a plain, uncompressed session): flag UID 2, expunge UIDs 3 and 4, add one message.
  const other = await rawImap(fx.port, user);
  await other.run('SELECT Sync');
  await other.run('UID STORE 2 +FLAGS (\\Flagged)');
  await other.run('UID STORE 3:4 +FLAGS (\\Deleted)');
  await other.run('UID EXPUNGE 3:4');
  await other.run(appendCommand('Sync'));
  await other.close();

  const second = open();
  const flagged: number[] = [];
  const vanished: number[] = [];
  second.on('flags', (data: { uid?: number; flags: Set<string> }) => {
    if (data.flags.has('\\Flagged') && data.uid) flagged.push(data.uid);
  });
  second.on('expunge', (data: { uid?: number }) => {
    if (data.uid) vanished.push(data.uid);
  });
  await second.connect();
  assert.ok((second as unknown as { _deflate?: unknown })._deflate);
  const reopened = await second.mailboxOpen('Sync', {
    changedSince: known.modseq,
    uidValidity: known.uidValidity,
  });
  assert.equal(reopened.exists, 4);
  assert.deepEqual(flagged, [2]);
  assert.deepEqual(vanished.sort(), [3, 4]);
  const uids = (await second.search({ all: true }, { uid: true })) || [];
  assert.deepEqual(uids, [1, 2, 5, 6]);
  await second.logout();
});
