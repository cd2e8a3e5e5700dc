/**
 * IMAP4rev1 \Recent (RFC 3501 §2.3.2) for a session's own APPEND to its selected mailbox: the message is
 * recent to that session only, and claiming it costs no commit of its own (the APPEND's commit claims it:
 * Store.appendClaimingRecent). A store without that method still gives the same answers.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { appendCommand, type ImapFixture, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(2);
});
after(() => fx.srv.close());

async function appendToSelected(login: { login: string; password: string }) {
  const store = fx.srv.ctx.store as SqliteStore;
  const appender = await rawImap(fx.port, login);
  await appender.run('SELECT INBOX');
  const commits = store.commitStats().commits;
  const appended = await appender.run(appendCommand('INBOX'));
  const commitsForAppend = store.commitStats().commits - commits;
  const fetched = await appender.run('FETCH 1 FLAGS');
  const other = await rawImap(fx.port, login);
  const selectedByOther = await other.run('SELECT INBOX');
  await Promise.all([appender.close(), other.close()]);
  return { appended, commitsForAppend, fetched, selectedByOther };
}

test("a rev1 session's APPEND to its selected mailbox is recent to it alone, in the APPEND's one commit", async () => {
  const got = await appendToSelected(fx.users[0]!);
  assert.deepEqual(got.appended.slice(0, 2), ['* 1 EXISTS', '* 1 RECENT'], got.appended.join('\n'));
  assert.match(got.appended.at(-1)!, /OK \[APPENDUID \d+ 1\]/);
  assert.equal(got.commitsForAppend, 1, 'the claim rides on the APPEND commit');
  assert.match(got.fetched[0]!, /^\* 1 FETCH \(FLAGS \(\\Recent\)\)$/);
  assert.ok(got.selectedByOther.includes('* 0 RECENT'), got.selectedByOther.join('\n'));
});

test('without appendClaimingRecent (another backend) the answers are the same, in two commits', async () => {
  const store = fx.srv.ctx.store as unknown as { appendClaimingRecent?: unknown };
  const method = store.appendClaimingRecent;
  store.appendClaimingRecent = undefined;
  try {
    const got = await appendToSelected(fx.users[1]!);
    assert.deepEqual(got.appended.slice(0, 2), ['* 1 EXISTS', '* 1 RECENT'], got.appended.join('\n'));
    assert.equal(got.commitsForAppend, 2);
    assert.match(got.fetched[0]!, /^\* 1 FETCH \(FLAGS \(\\Recent\)\)$/);
    assert.ok(got.selectedByOther.includes('* 0 RECENT'), got.selectedByOther.join('\n'));
  } finally {
    store.appendClaimingRecent = method;
  }
});
