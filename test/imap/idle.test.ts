/**
 * Two sessions (issue 4): a session in IDLE sees an APPEND, a STORE and an EXPUNGE made by another
 * session, and an LMTP delivery, each within 1 s (the deadline is a failure condition, not a benchmark).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '../helpers/net.js';
import {
  appendCommand,
  type ImapFixture,
  type RawImap,
  rawImap,
  SAMPLE_MESSAGE,
  startImapFixture,
} from './harness.js';

const DEADLINE_MS = 1000;
let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

/** The next notification line, skipping rev1 `* n RECENT` (which session claims \Recent is a race). */
async function next(imap: RawImap): Promise<string> {
  for (;;) {
    const line = await imap.client.readLine(DEADLINE_MS);
    if (!/^\* \d+ RECENT$/.test(line)) return line;
  }
}

async function startIdle(imap: RawImap): Promise<void> {
  imap.client.send('idle1 IDLE');
  assert.match(await imap.client.readLine(), /^\+ /);
}

async function deliverByLmtp(port: number, to: string): Promise<void> {
  const c = await connect(port);
  const expect = async (code: RegExp) => {
    const lines = await c.readUntil(/^\d{3} /);
    assert.match(lines.at(-1) ?? '', code, lines.join('\n'));
  };
  await expect(/^220/);
  c.send('LHLO client.example');
  await expect(/^250/);
  c.send('MAIL FROM:<alice@example.com>');
  await expect(/^250/);
  c.send(`RCPT TO:<${to}>`);
  await expect(/^250/);
  c.send('DATA');
  await expect(/^354/);
  c.write(`${SAMPLE_MESSAGE}.\r\n`);
  await expect(/^250/);
  c.send('QUIT');
  await c.close();
}

test('IDLE sees APPEND, STORE, EXPUNGE from another session and an LMTP delivery within 1 s', async () => {
  const user = fx.users[0] as ImapFixture['users'][0];
  const watcher = await rawImap(fx.port, user);
  const actor = await rawImap(fx.port, user);
  try {
    await watcher.run('SELECT INBOX');
    await actor.run('SELECT INBOX');
    await startIdle(watcher);

    await actor.run(appendCommand('INBOX'));
    assert.match(await next(watcher), /^\* 1 EXISTS$/);

    await actor.run('STORE 1 +FLAGS (\\Flagged)');
    assert.match(await next(watcher), /^\* 1 FETCH \(.*FLAGS \(\\Flagged\)/);

    await actor.run('STORE 1 +FLAGS.SILENT (\\Deleted)');
    assert.match(await next(watcher), /^\* 1 FETCH .*\\Deleted/);
    await actor.run('EXPUNGE');
    assert.equal(await next(watcher), '* 1 EXPUNGE');

    if (fx.srv.ports.lmtp) {
      await deliverByLmtp(fx.srv.ports.lmtp, user.login);
      assert.match(await next(watcher), /^\* 1 EXISTS$/);
    }

    watcher.client.send('DONE');
    assert.match(await next(watcher), /^idle1 OK/);
  } finally {
    await watcher.close();
    await actor.close();
  }
});

test('no EXPUNGE is sent while answering FETCH, STORE or SEARCH by sequence number', async () => {
  const user = fx.users[0] as ImapFixture['users'][0];
  const a = await rawImap(fx.port, user);
  const b = await rawImap(fx.port, user);
  try {
    await a.run(appendCommand('Drafts'));
    await a.run(appendCommand('Drafts'));
    await a.run('SELECT Drafts');
    await b.run('SELECT Drafts');
    await b.run('STORE 1 +FLAGS.SILENT (\\Deleted)');
    await b.run('EXPUNGE');
    for (const command of ['FETCH 1:* (FLAGS)', 'STORE 2 +FLAGS.SILENT (\\Seen)', 'SEARCH ALL']) {
      const lines = await a.run(command);
      assert.ok(!lines.some((l) => / EXPUNGE$/.test(l)), `${command}: ${lines.join('\n')}`);
    }
    const lines = await a.run('NOOP');
    assert.ok(lines.includes('* 1 EXPUNGE'), lines.join('\n'));
    const uidFetch = await a.run('UID FETCH 1:* (FLAGS)');
    assert.match(uidFetch.at(-1) ?? '', /OK/);
  } finally {
    await a.close();
    await b.close();
  }
});

test('15 sessions in IDLE on one mailbox all see one APPEND within 1 s', async () => {
  const user = fx.users[0] as ImapFixture['users'][0];
  const watchers = await Promise.all(Array.from({ length: 15 }, () => rawImap(fx.port, user)));
  const actor = await rawImap(fx.port, user);
  try {
    await actor.run('CREATE Crowd');
    for (const w of watchers) {
      await w.run('ENABLE IMAP4rev2');
      await w.run('SELECT Crowd');
      await startIdle(w);
    }
    await actor.run(appendCommand('Crowd'));
    const seen = await Promise.all(watchers.map((w) => w.client.readLine(DEADLINE_MS)));
    assert.deepEqual(new Set(seen), new Set(['* 1 EXISTS']));
  } finally {
    for (const w of watchers) await w.close();
    await actor.close();
  }
});
