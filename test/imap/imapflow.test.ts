/** imapflow (a modern IMAP4rev2-aware client) against a live Postyard: list, fetch, flags, move, idle. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { type ImapFixture, SAMPLE_MESSAGE, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

function client(): ImapFlow {
  const user = fx.users[0] as ImapFixture['users'][0];
  return new ImapFlow({
    host: '127.0.0.1',
    port: fx.port,
    secure: false,
    auth: { user: user.login, pass: user.password },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
}

test('imapflow: list, append, fetch, flags, move, idle', async () => {
  const c = client();
  await c.connect();
  try {
    const boxes = await c.list();
    const sent = boxes.find((b) => b.path === 'Sent');
    assert.equal(sent?.specialUse, '\\Sent');
    assert.ok(boxes.some((b) => b.path === 'INBOX'));

    for (let i = 0; i < 3; i++) {
      await c.append('INBOX', SAMPLE_MESSAGE.replace('Sample', `Sample ${i}`), i === 0 ? ['\\Seen'] : []);
    }
    const lock = await c.getMailboxLock('INBOX');
    try {
      const subjects: string[] = [];
      for await (const msg of c.fetch('1:*', { envelope: true, flags: true, source: true, uid: true })) {
        subjects.push(msg.envelope?.subject ?? '');
        assert.ok(msg.source?.toString().includes('Hello there'));
      }
      assert.equal(subjects.length, 3);

      await c.messageFlagsAdd('2', ['\\Flagged', '$Important']);
      const two = await c.fetchOne('2', { flags: true });
      assert.ok(two);
      assert.ok(two.flags?.has('\\Flagged') && two.flags.has('$Important'));
      await c.messageFlagsRemove('2', ['$Important']);
      const flagged = await c.search({ flagged: true });
      assert.deepEqual(flagged, [2]);

      const moved = await c.messageMove('3', 'Archive');
      assert.ok(moved);
      assert.equal(moved.uidMap?.size, 1);
      const status = await c.status('Archive', { messages: true });
      assert.ok(status);
      assert.equal(status.messages, 1);

      // IDLE: another client appends; the idling one sees EXISTS.
      const seen = new Promise<number>((resolve) => c.on('exists', (data) => resolve(data.count)));
      const idling = c.idle();
      const other = client();
      await other.connect();
      await other.append('INBOX', SAMPLE_MESSAGE);
      await other.logout();
      assert.equal(await seen, 3);
      void idling;
    } finally {
      lock.release();
    }
  } finally {
    await c.logout();
  }
});

test('imapflow with QRESYNC: open, change flags, delete, reopen', async () => {
  const user = fx.users[0] as ImapFixture['users'][0];
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: fx.port,
    secure: false,
    auth: { user: user.login, pass: user.password },
    logger: false,
    tls: { rejectUnauthorized: false },
    qresync: true,
  });
  await c.connect();
  try {
    await c.mailboxCreate('QR');
    for (let i = 0; i < 3; i++) await c.append('QR', SAMPLE_MESSAGE);
    const box = await c.mailboxOpen('QR');
    assert.equal(box.exists, 3);
    assert.ok(box.highestModseq && box.highestModseq > 0n);
    await c.messageFlagsAdd('1', ['\\Seen']);
    assert.ok(await c.messageDelete('2'));
    const reopened = await c.mailboxOpen('QR');
    assert.equal(reopened.exists, 2);
  } finally {
    await c.logout();
  }
});
