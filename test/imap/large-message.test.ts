/** A message larger than the read-whole limit streams from its blob: BODY[], a partial, and BINARY.SIZE. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ImapFixture, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

test('a 3 MB message streams out intact, whole and partially', async () => {
  const line = `${'0123456789'.repeat(7)}\r\n`;
  const message = `Subject: big\r\nFrom: a@example.com\r\n\r\n${line.repeat(Math.ceil((3 * 1024 * 1024) / line.length))}`;
  const size = Buffer.byteLength(message);
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    imap.client.write(`b1 APPEND INBOX {${size}+}\r\n${message}\r\n`);
    assert.match((await imap.client.readUntil(/^b1 /)).at(-1) ?? '', /^b1 OK/);
    await imap.run('SELECT INBOX');
    imap.client.send('b2 FETCH 1 (BODY.PEEK[])');
    assert.equal(await imap.client.readLine(), `* 1 FETCH (BODY[] {${size}}`);
    const body = await imap.client.readBytes(size, 20_000);
    assert.ok(body.equals(Buffer.from(message)), 'body bytes differ');
    assert.equal(await imap.client.readLine(), ')');
    assert.match(await imap.client.readLine(), /^b2 OK/);

    const lines = await imap.run('FETCH 1 (BODY.PEEK[]<2000000.12>)');
    assert.equal(lines[0], '* 1 FETCH (BODY[]<2000000> {12}');
    assert.equal(lines[1], `${message.slice(2000000, 2000012)})`);
  } finally {
    await imap.close();
  }
});
