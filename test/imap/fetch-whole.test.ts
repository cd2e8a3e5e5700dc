/**
 * FETCH of whole messages (BODY[], RFC822) goes through the synchronous path for bodies up to the
 * read-whole limit: bytes intact, items in order, \Seen set by non-PEEK fetches with FLAGS appended,
 * and a body between the old 256 KB and the 1 MB limit read whole.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { serverBlocked, watchServerEnds } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

async function append(imap: RawImap, message: string): Promise<void> {
  const size = Buffer.byteLength(message);
  imap.client.write(`a APPEND INBOX {${size}+}\r\n${message}\r\n`);
  assert.match((await imap.client.readUntil(/^a /)).at(-1) ?? '', /^a OK/);
}

test('FETCH 1:* (BODY[] UID) and RFC822: whole bodies intact, \\Seen set with FLAGS appended', async () => {
  const line = `${'abcdefghij'.repeat(7)}\r\n`;
  const messages = [
    'Subject: one\r\nFrom: a@example.com\r\n\r\nfirst\r\n',
    `Subject: two\r\nFrom: a@example.com\r\n\r\n${line.repeat(Math.ceil((600 * 1024) / line.length))}`,
    'Subject: three\r\nFrom: a@example.com\r\n\r\nthird\r\n',
  ];
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    for (const m of messages) await append(imap, m);
    await imap.run('SELECT INBOX');
    imap.client.send('f1 FETCH 1:* (BODY[] UID)');
    for (let i = 0; i < messages.length; i++) {
      const m = messages[i] as string;
      const size = Buffer.byteLength(m);
      assert.equal(await imap.client.readLine(), `* ${i + 1} FETCH (BODY[] {${size}}`);
      const body = await imap.client.readBytes(size, 20_000);
      assert.ok(body.equals(Buffer.from(m)), `body ${i + 1} differs`);
      assert.match(
        await imap.client.readLine(),
        new RegExp(`^ UID ${i + 1} FLAGS \\(\\\\Seen( \\\\Recent)?\\)\\)$`),
      );
    }
    assert.match(await imap.client.readLine(), /^f1 OK/);

    // Already \Seen: no FLAGS appended; RFC822 after another item.
    imap.client.send('f2 FETCH 3 (UID RFC822)');
    const third = messages[2] as string;
    assert.equal(await imap.client.readLine(), `* 3 FETCH (UID 3 RFC822 {${Buffer.byteLength(third)}}`);
    assert.ok((await imap.client.readBytes(Buffer.byteLength(third))).equals(Buffer.from(third)));
    assert.equal(await imap.client.readLine(), ')');
    assert.match(await imap.client.readLine(), /^f2 OK/);

    const flags = await imap.run('FETCH 1:* (FLAGS)');
    for (let i = 0; i < 3; i++)
      assert.match(flags[i] ?? '', /^\* \d FETCH \(FLAGS \(\\Seen( \\Recent)?\)\)$/);
  } finally {
    await imap.close();
  }
});

/** Message i: distinct bytes throughout, so a body served from reused slab memory would show. */
function distinctMessage(i: number, size: number): string {
  const header = `Subject: m${i}\r\nFrom: a@example.com\r\n\r\n`;
  const line = `${String(i).padStart(6, '0')}${'-'.repeat(64)}\r\n`;
  return header + line.repeat(Math.max(1, Math.ceil((size - header.length) / line.length)));
}

test('two sessions download 60 messages of 2 KB–900 KB while reading slowly: every body intact', async () => {
  // Sizes straddle the writer's slab (1 MB) and the old 256 KB slab limit; two downloads at once share
  // the process-wide pool of free slabs, and paused clients keep slabs busy while later bodies are read.
  const sizes = [2_000, 700_000, 40_000, 300_000, 900_000, 120_000];
  const messages = Array.from({ length: 60 }, (_, i) =>
    distinctMessage(i, sizes[i % sizes.length] as number),
  );
  const writer = await rawImap(fx.port, fx.users[0]);
  await writer.run('CREATE Slabs');
  for (const m of messages) {
    const size = Buffer.byteLength(m);
    writer.client.write(`a APPEND Slabs {${size}+}\r\n${m}\r\n`);
    assert.match((await writer.client.readUntil(/^a /)).at(-1) ?? '', /^a OK/);
  }
  await writer.close();

  // Bytes of the FETCH response before its tagged OK, exactly as the loop below reads them.
  const responseBytes = messages.reduce(
    (sum, m, i) =>
      sum + `* ${i + 1} FETCH (BODY[] {${Buffer.byteLength(m)}}\r\n`.length + Buffer.byteLength(m) + 3,
    0,
  );
  const ends = watchServerEnds();
  const sessions: RawImap[] = [];
  try {
    for (let k = 0; k < 2; k++) {
      const imap = await rawImap(fx.port, fx.users[0]);
      sessions.push(imap);
      await imap.run('EXAMINE Slabs');
    }
    const serverSides = await Promise.all(sessions.map((imap) => ends.of(imap.client)));
    const before = serverSides.map((socket) => socket.bytesWritten);
    /** The server has written (or queued) the whole response to session k. */
    const sentAll = (k: number) => serverSides[k]!.bytesWritten - before[k]! >= responseBytes;
    /** Keeps session k's client from reading until the server waits for it (or has nothing left to send). */
    const readNothingUntilServerWaits = async (k: number) => {
      const imap = sessions[k]!;
      imap.client.socket.pause();
      await waitUntil(
        () => serverBlocked(serverSides[k]!) || sentAll(k),
        `the server to wait for paused client ${k}`,
      );
      imap.client.socket.resume();
    };

    // Both clients stop reading at once: the server fills both sockets and waits with bodies still
    // queued in its slabs, so the two sessions hold slabs from the shared pool at the same time.
    for (const imap of sessions) {
      imap.client.socket.pause();
      imap.client.send('f FETCH 1:* BODY.PEEK[]');
    }
    await waitUntil(
      () => serverSides.every((socket) => serverBlocked(socket)),
      'the server to wait for both paused clients',
    );
    const download = async (k: number, pauseEvery: number) => {
      const imap = sessions[k]!;
      imap.client.socket.resume();
      for (let i = 0; i < messages.length; i++) {
        const expected = Buffer.from(messages[i] as string);
        assert.equal(await imap.client.readLine(20_000), `* ${i + 1} FETCH (BODY[] {${expected.length}}`);
        const body = await imap.client.readBytes(expected.length, 20_000);
        assert.ok(body.equals(expected), `message ${i + 1} differs`);
        assert.equal(await imap.client.readLine(), ')');
        if (i % pauseEvery === 0) await readNothingUntilServerWaits(k);
      }
      assert.match(await imap.client.readLine(), /^f OK/);
    };
    await Promise.all([download(0, 5), download(1, 7)]);
  } finally {
    ends.stop();
    for (const imap of sessions) await imap.close();
  }
});
