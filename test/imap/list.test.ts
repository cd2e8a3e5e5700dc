/** LIST-EXTENDED selection and return options (RFC 5258, RFC 6154, RFC 5819) and LSUB over a raw socket. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
let imap: RawImap;
before(async () => {
  fx = await startImapFixture(1);
  imap = await rawImap(fx.port, fx.users[0]);
  await imap.run('CREATE Lists/Sub');
  await imap.run('SUBSCRIBE Lists/Sub');
  await imap.run('SUBSCRIBE Gone');
});
after(async () => {
  await imap.close();
  await fx.srv.close();
});

test('LIST "" "" returns the delimiter', async () => {
  assert.deepEqual((await imap.run('LIST "" ""')).slice(0, 1), ['* LIST (\\Noselect) "/" ""']);
});

test('% lists one level with \\HasChildren; * lists all', async () => {
  const top = await imap.run('LIST "" "%"');
  assert.ok(top.includes('* LIST (\\HasChildren) "/" "Lists"'), top.join('\n'));
  assert.ok(!top.some((l) => l.includes('Lists/Sub')));
  const all = await imap.run('LIST "" "Lists/*"');
  assert.ok(all.includes('* LIST (\\HasNoChildren) "/" "Lists/Sub"'), all.join('\n'));
});

test('SUBSCRIBED selection marks non-existent subscriptions; RECURSIVEMATCH adds CHILDINFO', async () => {
  const subscribed = await imap.run('LIST (SUBSCRIBED) "" "*"');
  assert.ok(
    subscribed.some((l) => /\\NonExistent.*\\Subscribed.*"Gone"/.test(l)),
    subscribed.join('\n'),
  );
  assert.ok(subscribed.some((l) => /\\Subscribed.*"Lists\/Sub"/.test(l)));
  const recursive = await imap.run('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"');
  assert.ok(
    recursive.some((l) => l.endsWith('"Lists" ("CHILDINFO" ("SUBSCRIBED"))')),
    recursive.join('\n'),
  );
});

test('RECURSIVEMATCH: no CHILDINFO for a parent whose subscribed children are all listed themselves', async () => {
  // RFC 5258 §3.5; Dovecot answers the same (imaptest listext).
  const both = await imap.run('LIST (SUBSCRIBED RECURSIVEMATCH) "" ("Lists" "Lists/Sub")');
  assert.deepEqual(
    both.filter((l) => l.startsWith('* LIST')),
    ['* LIST (\\HasNoChildren \\Subscribed) "/" "Lists/Sub"'],
  );
  const star = await imap.run('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Lists*"');
  assert.ok(!star.some((l) => l.includes('CHILDINFO')), star.join('\n'));
  const parent = await imap.run('LIST (SUBSCRIBED RECURSIVEMATCH) "" "Lists"');
  assert.deepEqual(
    parent.filter((l) => l.startsWith('* LIST')),
    ['* LIST (\\HasChildren) "/" "Lists" ("CHILDINFO" ("SUBSCRIBED"))'],
  );
});

test('RECURSIVEMATCH with no selection option but REMOTE is BAD (RFC 5258 §3)', async () => {
  assert.match((await imap.run('LIST (RECURSIVEMATCH REMOTE) "" ""')).at(-1) ?? '', /^t\d+ BAD /);
  assert.match((await imap.run('LIST (REMOTE) "" "%"')).at(-1) ?? '', /^t\d+ OK /);
});

test('a pattern that is not valid modified UTF-7 matches nothing: OK, not NO', async () => {
  for (const pattern of ['"&Jjo"', '"&\'+,-*"', '"Lists&-&"']) {
    const lines = await imap.run(`LIST "" ${pattern}`);
    assert.deepEqual(lines.length, 1, lines.join('\n'));
    assert.match(lines[0] ?? '', /^t\d+ OK /);
  }
  assert.match((await imap.run('LIST "&Jjo" "*"')).join('\n'), /^t\d+ OK /);
  assert.match((await imap.run('LIST "" "Lists"')).join('\n'), /\* LIST .*"Lists"/); // a valid one still matches
});

test('SPECIAL-USE selection and RETURN (STATUS)', async () => {
  const lines = await imap.run('LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE STATUS (MESSAGES UIDNEXT))');
  assert.equal(lines.filter((l) => l.startsWith('* LIST')).length, 5);
  assert.equal(lines.filter((l) => /^\* STATUS .* \(MESSAGES 0 UIDNEXT 1\)$/.test(l)).length, 5);
});

test('LSUB lists subscriptions (rev1)', async () => {
  const lines = await imap.run('LSUB "" "*"');
  assert.ok(
    lines.some((l) => l.startsWith('* LSUB') && l.includes('Lists/Sub')),
    lines.join('\n'),
  );
});

test('LSUB "%" returns an unsubscribed parent of a subscription as \\Noselect (RFC 3501 §6.3.9)', async () => {
  const s = await rawImap(fx.port, fx.users[0]);
  try {
    await s.run('CREATE Tree/Leaf');
    await s.run('CREATE Deep/Er/Leaf');
    await s.run('SUBSCRIBE Tree/Leaf');
    await s.run('SUBSCRIBE Deep/Er/Leaf');
    await s.run('SUBSCRIBE Lists'); // subscribed parent: listed as itself, not \Noselect
    const top = (await s.run('LSUB "" "%"')).filter((l) => l.startsWith('* LSUB'));
    assert.ok(top.includes('* LSUB (\\Noselect) "/" "Tree"'), top.join('\n'));
    assert.ok(top.includes('* LSUB (\\Noselect) "/" "Deep"'), top.join('\n'));
    assert.ok(top.includes('* LSUB () "/" "Lists"'), top.join('\n'));
    assert.ok(!top.some((l) => l.includes('Leaf')), top.join('\n'));
    const level = (await s.run('LSUB "Deep/" "%"')).filter((l) => l.startsWith('* LSUB'));
    assert.deepEqual(level, ['* LSUB (\\Noselect) "/" "Deep/Er"']);
    // With "*" the subscriptions themselves match, so no parent is added (as Dovecot).
    const all = (await s.run('LSUB "" "*"')).filter((l) => l.startsWith('* LSUB'));
    assert.ok(!all.some((l) => /"(Tree|Deep|Deep\/Er)"$/.test(l)), all.join('\n'));
    assert.ok(all.includes('* LSUB () "/" "Tree/Leaf"'), all.join('\n'));
  } finally {
    await s.run('UNSUBSCRIBE Lists');
    await s.close();
  }
});

test('after ENABLE IMAP4rev2 names are UTF-8, for rev1 modified UTF-7', async () => {
  await imap.run('CREATE "Entw&APw-rfe"');
  const rev1 = await imap.run('LIST "" "Entw*"');
  assert.ok(
    rev1.some((l) => l.includes('"Entw&APw-rfe"')),
    rev1.join('\n'),
  );
  const rev2 = await rawImap(fx.port, fx.users[0]);
  await rev2.run('ENABLE IMAP4rev2');
  const lines = await rev2.run('LIST "" "Entw*"');
  assert.ok(
    lines.some((l) => l.includes('"Entwürfe"')),
    lines.join('\n'),
  );
  await rev2.close();
});

test('SEARCHRES: SEARCH RETURN (SAVE) then FETCH $ and UID COPY $', async () => {
  const s = await rawImap(fx.port, fx.users[0]);
  try {
    for (let i = 0; i < 3; i++)
      await s.run(`APPEND Drafts ${i === 1 ? '(\\Flagged) ' : ''}{5+}\r\nab\r\n\r\n`);
    await s.run('SELECT Drafts');
    const saved = await s.run('SEARCH RETURN (SAVE) FLAGGED');
    assert.ok(!saved.some((l) => l.startsWith('* ESEARCH')), saved.join('\n'));
    const fetched = await s.run('FETCH $ (UID)');
    assert.deepEqual(fetched.slice(0, -1), ['* 2 FETCH (UID 2)']);
    assert.match((await s.run('UID COPY $ Trash')).at(-1) ?? '', /OK \[COPYUID \d+ 2 \d+\]/);
    await s.run('UNSELECT');
    await s.run('SELECT Drafts');
    assert.deepEqual((await s.run('FETCH $ (UID)')).length, 1, 'the saved result is reset by SELECT');
  } finally {
    await s.close();
  }
});

test('RENAME INBOX moves its messages to the new name and leaves INBOX empty (RFC 9051 §6.3.6)', async () => {
  const s = await rawImap(fx.port, fx.users[0]);
  try {
    await s.run('APPEND INBOX {5+}\r\nab\r\n\r\n');
    assert.match((await s.run('RENAME INBOX "Old Inbox"')).at(-1) ?? '', /OK/);
    assert.ok((await s.run('STATUS INBOX (MESSAGES)')).includes('* STATUS "INBOX" (MESSAGES 0)'));
    assert.ok((await s.run('STATUS "Old Inbox" (MESSAGES)')).includes('* STATUS "Old Inbox" (MESSAGES 1)'));
    assert.match((await s.run('RENAME "Old Inbox" Drafts')).at(-1) ?? '', /NO \[ALREADYEXISTS\]/);
    assert.match((await s.run('RENAME Nope Else')).at(-1) ?? '', /NO \[NONEXISTENT\]/);
  } finally {
    await s.close();
  }
});

test('a mailbox deleted while another session has it selected: that session gets BYE', async () => {
  const a = await rawImap(fx.port, fx.users[0]);
  const b = await rawImap(fx.port, fx.users[0]);
  try {
    await a.run('CREATE Doomed');
    await b.run('SELECT Doomed');
    assert.match((await a.run('DELETE Doomed')).at(-1) ?? '', /OK/);
    const lines = await b.client.readUntil(/^\* BYE/);
    assert.match(lines.at(-1) ?? '', /deleted/);
  } finally {
    await a.close();
    await b.close();
  }
});
