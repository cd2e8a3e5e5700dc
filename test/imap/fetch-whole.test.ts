/**
 * FETCH of whole messages (BODY[], RFC822) goes through the synchronous path for bodies up to the
 * read-whole limit: bytes intact, items in order, \Seen set by non-PEEK fetches with FLAGS appended,
 * and a body between the old 256 KB and the 1 MB limit read whole.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
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
