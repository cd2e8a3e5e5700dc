/**
 * OBJECTID (RFC 8474), SAVEDATE (RFC 8514), WITHIN (RFC 5032), PREVIEW (RFC 8970) and UNAUTHENTICATE
 * (RFC 8437): imapflow reads EMAILID/THREADID/MAILBOXID the way it uses them; raw sockets check the
 * exact syntax and the rest.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { appendCommand, type ImapFixture, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(2);
});
after(() => fx.srv.close());

function message(id: string, extra = '', body = 'Hello there'): string {
  return (
    `From: Alice <alice@example.com>\r\nTo: bob@example.com\r\nSubject: thread ${id}\r\n` +
    `Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <${id}@example.com>\r\n${extra}\r\n${body}\r\n`
  );
}

function fetchItem(lines: string[], item: string): string[] {
  const re = new RegExp(`${item} \\(([A-Za-z0-9_-]+)\\)`);
  return lines.filter((l) => l.startsWith('* ')).flatMap((l) => re.exec(l)?.[1] ?? []);
}

test('OBJECTID: EMAILID kept by COPY and MOVE, THREADID shared by a reply chain, MAILBOXID kept by RENAME', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    const caps = (await imap.run('CAPABILITY'))[0]!.split(' ');
    for (const cap of ['OBJECTID', 'SAVEDATE', 'WITHIN', 'PREVIEW', 'UNAUTHENTICATE'])
      assert.ok(caps.includes(cap), cap);
    const created = await imap.run('CREATE Threads');
    const mailboxId = /^t\d+ OK \[MAILBOXID \(([A-Za-z0-9_-]+)\)\] /.exec(created.at(-1)!)?.[1];
    assert.ok(mailboxId, created.join('\n'));
    await imap.run(appendCommand('Threads', message('root')));
    await imap.run(appendCommand('Threads', message('reply', 'In-Reply-To: <root@example.com>\r\n')));
    await imap.run(
      appendCommand(
        'Threads',
        message(
          'reply2',
          'References: <root@example.com> <reply@example.com>\r\nIn-Reply-To: <reply@example.com>\r\n',
        ),
      ),
    );
    await imap.run(appendCommand('Threads', message('alone')));
    const selected = await imap.run('SELECT Threads');
    assert.ok(selected.includes(`* OK [MAILBOXID (${mailboxId})] Ok`), selected.join('\n'));
    const fetched = await imap.run('FETCH 1:4 (EMAILID THREADID)');
    const emailIds = fetchItem(fetched, 'EMAILID');
    const threadIds = fetchItem(fetched, 'THREADID');
    assert.equal(new Set(emailIds).size, 4, fetched.join('\n'));
    assert.equal(threadIds[0], threadIds[1]);
    assert.equal(threadIds[0], threadIds[2]);
    assert.notEqual(threadIds[0], threadIds[3]);
    for (const id of [...emailIds, ...threadIds, mailboxId]) assert.match(id, /^[A-Za-z0-9_-]{1,255}$/);

    assert.deepEqual((await imap.run(`SEARCH EMAILID ${emailIds[1]}`))[0], '* SEARCH 2');
    assert.deepEqual((await imap.run(`SEARCH THREADID ${threadIds[0]}`))[0], '* SEARCH 1 2 3');
    assert.match((await imap.run('SEARCH EMAILID "quoted"')).at(-1)!, /^t\d+ BAD/);

    // COPY and MOVE keep EMAILID and THREADID; the destination has its own MAILBOXID.
    await imap.run('COPY 2 Archive');
    await imap.run('MOVE 3 Archive');
    const archive = await imap.run('STATUS Archive (MAILBOXID)');
    const archiveId = /MAILBOXID \(([A-Za-z0-9_-]+)\)/.exec(archive[0]!)?.[1];
    assert.ok(archiveId && archiveId !== mailboxId, archive.join('\n'));
    await imap.run('SELECT Archive');
    const copies = await imap.run('FETCH 1:* (EMAILID THREADID)');
    assert.deepEqual(fetchItem(copies, 'EMAILID'), [emailIds[1], emailIds[2]]);
    assert.deepEqual(fetchItem(copies, 'THREADID'), [threadIds[1], threadIds[2]]);

    await imap.run('RENAME Threads Threads2');
    assert.equal(
      (await imap.run('STATUS Threads2 (MAILBOXID)'))[0],
      `* STATUS "Threads2" (MAILBOXID (${mailboxId}))`,
    );
    await imap.run('DELETE Threads2');
    const again = await imap.run('CREATE Threads2');
    assert.ok(!again.at(-1)!.includes(mailboxId), 're-created: a new MAILBOXID');
  } finally {
    await imap.close();
  }
});

test('imapflow: emailId, threadId and mailboxId as it reads them', async () => {
  const user = fx.users[1]!;
  const c = new ImapFlow({
    host: '127.0.0.1',
    port: fx.port,
    secure: false,
    auth: { user: user.login, pass: user.password },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
  await c.connect();
  try {
    await c.append('INBOX', message('flow-root'));
    await c.append('INBOX', message('flow-reply', 'References: <flow-root@example.com>\r\n'));
    const box = await c.mailboxOpen('INBOX');
    assert.match(String((box as { mailboxId?: string }).mailboxId), /^[A-Za-z0-9_-]+$/);
    const seen: { emailId?: string; threadId?: string }[] = [];
    for await (const msg of c.fetch('1:*', { emailId: true, threadId: true, uid: true })) seen.push(msg);
    assert.equal(seen.length, 2);
    assert.ok(seen[0]!.emailId && seen[0]!.emailId !== seen[1]!.emailId);
    assert.ok(seen[0]!.threadId && seen[0]!.threadId === seen[1]!.threadId);
    const found = await c.search({ emailId: seen[1]!.emailId! }, { uid: true });
    assert.deepEqual(found, [2]);
    const threaded = await c.search({ threadId: seen[0]!.threadId! }, { uid: true });
    assert.deepEqual(threaded, [1, 2]);
  } finally {
    await c.logout();
  }
});

test('SAVEDATE, WITHIN and PREVIEW over a raw socket', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    await imap.run('CREATE Dated');
    const old = new Date(Date.now() - 3 * 86_400_000);
    const day = (d: Date) =>
      `${d.getUTCDate()}-${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()]}-${d.getUTCFullYear()}`;
    const dateTime = `"${day(old).padStart(11, '0')} 12:00:00 +0000"`;
    const body = 'Preview   text\r\nacross lines, with "quotes"';
    const msg = message('dated', '', body);
    await imap.run(`APPEND Dated ${dateTime} {${Buffer.byteLength(msg)}+}\r\n${msg}\r\n`);
    await imap.run(appendCommand('Dated', message('fresh')));
    await imap.run('SELECT Dated');
    // WITHIN: OLDER/YOUNGER by INTERNALDATE, in seconds.
    assert.equal((await imap.run('SEARCH OLDER 86400'))[0], '* SEARCH 1');
    assert.equal((await imap.run('SEARCH YOUNGER 86400'))[0], '* SEARCH 2');
    assert.match((await imap.run('SEARCH YOUNGER 0')).at(-1)!, /^t\d+ BAD/);
    // SAVEDATE: when the message was saved here (today), not its INTERNALDATE.
    const today = day(new Date());
    assert.equal((await imap.run(`SEARCH SAVEDON ${today}`))[0], '* SEARCH 1 2');
    assert.equal((await imap.run(`SEARCH ON ${today}`))[0], '* SEARCH 2');
    assert.equal((await imap.run('SEARCH SAVEDATESUPPORTED'))[0], '* SEARCH 1 2');
    const saved = await imap.run('FETCH 1 (SAVEDATE INTERNALDATE)');
    assert.match(saved[0]!, /^\* 1 FETCH \(SAVEDATE "[^"]+" INTERNALDATE "[^"]+ 12:00:00 \+0000"\)$/);
    // PREVIEW: the stored preview, whitespace collapsed; (LAZY) answers the same.
    const preview = await imap.run('FETCH 1 (PREVIEW)');
    assert.equal(preview[0], '* 1 FETCH (PREVIEW "Preview text across lines, with \\"quotes\\"")');
    assert.equal((await imap.run('FETCH 1 (PREVIEW (LAZY))'))[0], preview[0]);
  } finally {
    await imap.close();
  }
});

test('UNAUTHENTICATE: back to a fresh not-authenticated state on the same connection', async () => {
  const [u1, u2] = fx.users as [ImapFixture['users'][0], ImapFixture['users'][0]];
  const imap = await rawImap(fx.port, u1);
  try {
    assert.deepEqual((await imap.run('ENABLE IMAP4rev2'))[0], '* ENABLED IMAP4rev2');
    await imap.run('SELECT INBOX');
    assert.match((await imap.run('UNAUTHENTICATE')).at(-1)!, /^t\d+ OK /);
    const caps = (await imap.run('CAPABILITY'))[0]!.split(' ');
    assert.ok(caps.includes('AUTH=PLAIN') && !caps.includes('UNAUTHENTICATE'), caps.join(' '));
    assert.match((await imap.run('FETCH 1 FLAGS')).at(-1)!, /^t\d+ BAD/);
    assert.match((await imap.run('UNAUTHENTICATE')).at(-1)!, /^t\d+ BAD/);
    assert.match((await imap.run(`LOGIN "${u2.login}" "${u2.password}"`)).at(-1)!, /^t\d+ OK /);
    // A new session: ENABLE works again and the mailbox view is u2's.
    assert.deepEqual((await imap.run('ENABLE IMAP4rev2'))[0], '* ENABLED IMAP4rev2');
    assert.match((await imap.run('UNAUTHENTICATE extra')).at(-1)!, /^t\d+ BAD/);
  } finally {
    await imap.close();
  }
});
