/**
 * NOTIFY (RFC 5465) over raw sockets: one session asks to be told, another session of the same account
 * makes the changes, and the first one reads the unsolicited STATUS, LIST, EXISTS, EXPUNGE and FETCH
 * lines without sending a command (between commands and during IDLE). Where something must NOT be
 * reported, a later change that must be reported is made after it, and the next line read is that one.
 * imaptest's `notify` group (test/imap/imaptest.test.ts) checks the initial STATUS replies too.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendCommand, type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;

before(async () => {
  fx = await startImapFixture(0);
});
after(() => fx.srv.close());

let users = 0;
/** A fresh account with two sessions: `watcher` (NOTIFY) and `actor` (makes changes). */
async function pair(): Promise<{ watcher: RawImap; actor: RawImap; close(): Promise<void> }> {
  const user = { login: `notify${++users}@example.com`, password: 'pw' };
  await fx.srv.addUser(user.login, user.password);
  const watcher = await rawImap(fx.port, user);
  const actor = await rawImap(fx.port, user);
  return {
    watcher,
    actor,
    async close() {
      await watcher.close();
      await actor.close();
    },
  };
}

const ok = (lines: string[]) => assert.match(lines.at(-1)!, /^t\d+ OK/, lines.join('\n'));

test('STATUS for other mailboxes: initial with STATUS, then on new mail, expunge and flag changes', async () => {
  const { watcher, actor, close } = await pair();
  try {
    ok(await actor.run(appendCommand('Archive')));
    ok(await watcher.run('ENABLE CONDSTORE'));
    ok(await watcher.run('SELECT Drafts'));
    const set = await watcher.run('NOTIFY SET STATUS (personal (MessageNew MessageExpunge FlagChange))');
    ok(set);
    const statuses = set.filter((l) => l.startsWith('* STATUS '));
    assert.ok(
      statuses.some((l) =>
        /^\* STATUS "Archive" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)$/.test(l),
      ),
      statuses.join('\n'),
    );
    assert.ok(!statuses.some((l) => l.includes('"Drafts"')), 'never the selected mailbox');
    assert.equal(statuses.length, 5, 'INBOX, Sent, Trash, Junk, Archive');

    // New mail in INBOX, from the other session: reported without a command.
    ok(await actor.run(appendCommand('INBOX')));
    assert.match(
      await watcher.client.readLine(),
      /^\* STATUS "INBOX" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1 HIGHESTMODSEQ \d+\)$/,
    );
    // A flag change: UIDVALIDITY, UNSEEN (it moved) and HIGHESTMODSEQ (CONDSTORE is on).
    ok(await actor.run('SELECT INBOX'));
    ok(await actor.run('STORE 1 +FLAGS (\\Seen)'));
    assert.match(
      await watcher.client.readLine(),
      /^\* STATUS "INBOX" \(UIDVALIDITY \d+ UNSEEN 0 HIGHESTMODSEQ \d+\)$/,
    );
    // An expunge.
    // \Deleted leaves UNSEEN as it was: only the modseq moved.
    ok(await actor.run('STORE 1 +FLAGS (\\Deleted)'));
    assert.match(
      await watcher.client.readLine(),
      /^\* STATUS "INBOX" \(UIDVALIDITY \d+ HIGHESTMODSEQ \d+\)$/,
    );
    ok(await actor.run('EXPUNGE'));
    assert.match(
      await watcher.client.readLine(),
      /^\* STATUS "INBOX" \(MESSAGES 0 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 0 HIGHESTMODSEQ \d+\)$/,
    );
    // Changes to the selected mailbox are not STATUS: after NOOP the watcher sees them as EXISTS.
    ok(await actor.run(appendCommand('Drafts')));
    ok(await actor.run(appendCommand('Archive')));
    assert.match(await watcher.client.readLine(), /^\* STATUS "Archive" \(MESSAGES 2 /);
    const noop = await watcher.run('NOOP');
    assert.deepEqual(noop.slice(0, -1), ['* 1 EXISTS', '* 1 RECENT']);
  } finally {
    await close();
  }
});

test('the first matching filter decides; NONE leaves a mailbox out', async () => {
  const { watcher, actor, close } = await pair();
  try {
    ok(
      await watcher.run(
        'NOTIFY SET (mailboxes Trash NONE) (subtree Lists (MessageNew MessageExpunge)) (inboxes (MessageNew MessageExpunge))',
      ),
    );
    ok(await actor.run('CREATE Lists/rust'));
    ok(await actor.run(appendCommand('Trash')));
    ok(await actor.run(appendCommand('Archive')));
    ok(await actor.run(appendCommand('Lists/rust')));
    // Trash (NONE) and Archive (no filter) said nothing: the next line is about Lists/rust.
    assert.match(
      await watcher.client.readLine(),
      /^\* STATUS "Lists\/rust" \(MESSAGES 1 UIDNEXT 2 UIDVALIDITY \d+ UNSEEN 1\)$/,
    );
    ok(await actor.run(appendCommand('INBOX')));
    assert.match(await watcher.client.readLine(), /^\* STATUS "INBOX" \(MESSAGES 1 /);
    // NOTIFY NONE: nothing more.
    ok(await watcher.run('NOTIFY NONE'));
    ok(await actor.run(appendCommand('INBOX')));
    assert.deepEqual((await watcher.run('NOOP')).length, 1);
  } finally {
    await close();
  }
});

test('MailboxName and SubscriptionChange: LIST for create, rename (OLDNAME), delete, (un)subscribe', async () => {
  const { watcher, actor, close } = await pair();
  try {
    ok(await watcher.run('NOTIFY SET (personal (MailboxName SubscriptionChange))'));
    ok(await actor.run('CREATE Projects'));
    assert.equal(await watcher.client.readLine(), '* LIST () "/" "Projects"');
    ok(await actor.run('RENAME Projects Work'));
    assert.equal(await watcher.client.readLine(), '* LIST () "/" "Work" ("OLDNAME" ("Projects"))');
    ok(await actor.run('SUBSCRIBE Work'));
    assert.equal(await watcher.client.readLine(), '* LIST (\\Subscribed) "/" "Work"');
    ok(await actor.run('UNSUBSCRIBE Work'));
    assert.equal(await watcher.client.readLine(), '* LIST () "/" "Work"');
    ok(await actor.run('DELETE Work'));
    assert.equal(await watcher.client.readLine(), '* LIST (\\NonExistent) "/" "Work"');
    // Message events were not asked for.
    ok(await actor.run(appendCommand('INBOX')));
    ok(await actor.run('CREATE Last'));
    assert.equal(await watcher.client.readLine(), '* LIST () "/" "Last"');
  } finally {
    await close();
  }
});

test('SELECTED: EXISTS with the MessageNew fetch attributes and EXPUNGE pushed at once, also in IDLE', async () => {
  const { watcher, actor, close } = await pair();
  try {
    ok(await watcher.run('SELECT INBOX'));
    ok(
      await watcher.run(
        'NOTIFY SET (selected (MessageNew (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)]) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge))',
      ),
    );
    ok(await actor.run(appendCommand('INBOX')));
    assert.equal(await watcher.client.readLine(), '* 1 EXISTS');
    assert.equal(await watcher.client.readLine(), '* 1 RECENT');
    const fetch = await watcher.client.readLine();
    assert.match(fetch, /^\* 1 FETCH \(UID 1 BODY\[HEADER\.FIELDS \(SUBJECT\)\] \{\d+\}$/);
    assert.equal(await watcher.client.readLine(), 'Subject: Sample');
    assert.equal(await watcher.client.readLine(), '');
    assert.equal(await watcher.client.readLine(), ')');
    // PEEK: the notification did not mark it \Seen.
    ok(await actor.run('SELECT INBOX'));
    ok(await actor.run('STORE 1 +FLAGS (\\Flagged)'));
    assert.match(await watcher.client.readLine(), /^\* 1 FETCH \(UID 1 FLAGS \(\\Flagged \\Recent\)\)$/);

    // In IDLE: an expunge comes at once (SELECTED, not SELECTED-DELAYED), other mailboxes as STATUS.
    watcher.client.send('i1 IDLE');
    assert.equal(await watcher.client.readLine(), '+ idling');
    ok(await actor.run('STORE 1 +FLAGS (\\Deleted)'));
    assert.match(await watcher.client.readLine(), /^\* 1 FETCH \(UID 1 FLAGS /);
    ok(await actor.run('EXPUNGE'));
    assert.equal(await watcher.client.readLine(), '* 1 EXPUNGE');
    ok(await actor.run(appendCommand('Archive')));
    const lines = await watcher.client.readUntil(/^\* STATUS /);
    assert.deepEqual(lines.slice(0, -1), ['* 0 RECENT'], 'a rev1 session hears RECENT after the expunge');
    assert.match(lines.at(-1)!, /^\* STATUS "Archive" \(MESSAGES 1 /);
    watcher.client.send('DONE');
    assert.match(await watcher.client.readLine(), /^i1 OK/);
  } finally {
    await close();
  }
});

test('NOTIFY errors: BADEVENT lists what is supported; composition rules; state', async () => {
  const { watcher, close } = await pair();
  try {
    const bad = await watcher.run('NOTIFY SET (personal (MessageNew MessageExpunge AnnotationChange))');
    assert.equal(
      bad.at(-1)!.replace(/^t\d+ /, ''),
      'NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange)] Unsupported NOTIFY event',
    );
    for (const command of [
      'NOTIFY SET (selected (MessageNew))',
      'NOTIFY SET (selected (FlagChange))',
      'NOTIFY SET (selected (MessageNew MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))',
      'NOTIFY SET (personal (MessageNew (UID) MessageExpunge))',
      'NOTIFY SET (personal ())',
      'NOTIFY SET',
    ]) {
      assert.match((await watcher.run(command)).at(-1)!, /^t\d+ BAD /, command);
    }
    const anon = await rawImap(fx.port);
    try {
      assert.match((await anon.run('NOTIFY NONE')).at(-1)!, /^t\d+ BAD /);
    } finally {
      await anon.close();
    }
    ok(await watcher.run('NOTIFY NONE'));
  } finally {
    await close();
  }
});
