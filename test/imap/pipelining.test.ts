/** Pipelined commands (RFC 9051 §5.5) are answered in order, one at a time; LITERAL+ APPENDs in one write. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ImapFixture, rawImap, SAMPLE_MESSAGE, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

test('50 pipelined LITERAL+ APPENDs and 50 FETCHes in single writes are all answered in order', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    const size = Buffer.byteLength(SAMPLE_MESSAGE);
    let batch = '';
    for (let i = 0; i < 50; i++) batch += `p${i} APPEND INBOX {${size}+}\r\n${SAMPLE_MESSAGE}\r\n`;
    imap.client.write(batch);
    const appended = await imap.client.readUntil(/^p49 /);
    const tags = appended.filter((l) => /^p\d+ /.test(l)).map((l) => l.split(' ')[0]);
    assert.deepEqual(
      tags,
      Array.from({ length: 50 }, (_, i) => `p${i}`),
    );
    assert.ok(
      appended.every((l) => !/^p\d+ (NO|BAD)/.test(l)),
      appended.join('\n'),
    );

    await imap.run('SELECT INBOX');
    let fetches = '';
    for (let i = 1; i <= 50; i++) fetches += `f${i} FETCH ${i} (UID RFC822.SIZE)\r\n`;
    imap.client.write(fetches);
    const lines = await imap.client.readUntil(/^f50 /);
    for (let i = 1; i <= 50; i++) {
      const at = lines.indexOf(`* ${i} FETCH (UID ${i} RFC822.SIZE ${size})`);
      assert.ok(
        at >= 0 && lines[at + 1]?.startsWith(`f${i} OK`),
        `f${i}: ${lines.slice(at, at + 2).join(' | ')}`,
      );
    }
  } finally {
    await imap.close();
  }
});

test('commands sent before a half-close are all answered', async () => {
  const { connect } = await import('../helpers/net.js');
  const user = fx.users[0] as ImapFixture['users'][0];
  const c = await connect(fx.port);
  await c.readLine();
  c.write(`h1 LOGIN "${user.login}" "${user.password}"\r\nh2 SELECT INBOX\r\nh3 LOGOUT\r\n`);
  c.socket.end();
  const lines = await c.readUntil(/^h3 /);
  assert.ok(
    lines.some((l) => l.startsWith('h2 OK')),
    lines.join('\n'),
  );
  await c.waitClosed();
});
