/**
 * CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267): RETURN (PARTIAL), RETURN (UPDATE) with ADDTO/REMOVEFROM
 * as another session changes the mailbox, CANCELUPDATE and NOUPDATE. Raw sockets for the exact lines,
 * Python's imaplib for PARTIAL as a client sends it. imaptest's search-context-update*, search-partial
 * and sort-partial groups run in test/imap/imaptest.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runTool } from '../delivery/helpers/run-tool.js';
import { requireTool } from '../helpers/tools.js';
import { appendCommand, type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;

before(async () => {
  fx = await startImapFixture(0);
});
after(() => fx.srv.close());

function message(n: number): string {
  return `From: a@example.com\r\nSubject: message ${n}\r\nDate: Mon, ${n} Mar 2026 10:00:00 +0000\r\n\r\nbody ${n}\r\n`;
}

let users = 0;
/** An account with `count` messages in INBOX and two sessions that have it selected. */
async function mailbox(
  count: number,
): Promise<{ a: RawImap; b: RawImap; login: string; close(): Promise<void> }> {
  const user = { login: `context${++users}@example.com`, password: 'pw' };
  await fx.srv.addUser(user.login, user.password);
  const a = await rawImap(fx.port, user);
  const b = await rawImap(fx.port, user);
  for (let n = 1; n <= count; n++) ok(await a.run(appendCommand('INBOX', message(n))));
  ok(await a.run('SELECT INBOX'));
  ok(await b.run('SELECT INBOX'));
  return {
    a,
    b,
    login: user.login,
    async close() {
      await a.close();
      await b.close();
    },
  };
}

function ok(lines: string[]): string[] {
  assert.match(lines.at(-1)!, /^t\d+ OK/, lines.join('\n'));
  return lines;
}

const untagged = (lines: string[]) => lines.filter((l) => l.startsWith('* '));

test('PARTIAL: positions of the SEARCH and SORT results, NIL past the end, BAD when malformed', async () => {
  const { a, close } = await mailbox(5);
  try {
    assert.deepEqual(untagged(ok(await a.run('SEARCH RETURN (PARTIAL 2:3) ALL'))), [
      '* ESEARCH (TAG "t8") PARTIAL (2:3 2:3)',
    ]);
    assert.deepEqual(untagged(ok(await a.run('UID SEARCH RETURN (PARTIAL 4:2 COUNT) ALL'))), [
      '* ESEARCH (TAG "t9") UID COUNT 5 PARTIAL (2:4 2:4)',
    ]);
    assert.deepEqual(untagged(ok(await a.run('SEARCH RETURN (PARTIAL 6:9) ALL'))), [
      '* ESEARCH (TAG "t10") PARTIAL (6:9 NIL)',
    ]);
    assert.deepEqual(untagged(ok(await a.run('SORT RETURN (PARTIAL 1:3) (REVERSE DATE) UTF-8 ALL'))), [
      '* ESEARCH (TAG "t11") PARTIAL (1:3 5,4,3)',
    ]);
    for (const bad of [
      'SEARCH RETURN (PARTIAL 1) ALL',
      'SEARCH RETURN (PARTIAL 0:3) ALL',
      'SEARCH RETURN (PARTIAL 1:*) ALL',
      'SEARCH RETURN (ALL PARTIAL 1:2) ALL',
    ]) {
      assert.match((await a.run(bad)).at(-1)!, /^t\d+ BAD /, bad);
    }
  } finally {
    await close();
  }
});

test('SEARCH RETURN (UPDATE): ADDTO and REMOVEFROM follow another session; expunges come before EXPUNGE', async () => {
  const { a, b, close } = await mailbox(4);
  try {
    const start = ok(await a.run('SEARCH RETURN (UPDATE ALL) FLAGGED'));
    const tag = /^(t\d+) /.exec(start.at(-1)!)![1];
    assert.deepEqual(untagged(start), [`* ESEARCH (TAG "${tag}")`]);

    ok(await b.run('STORE 2,4 +FLAGS (\\Flagged)'));
    const noop = ok(await a.run('NOOP'));
    assert.deepEqual(untagged(noop), [
      '* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent))',
      '* 4 FETCH (UID 4 FLAGS (\\Flagged \\Recent))',
      `* ESEARCH (TAG "${tag}") ADDTO (1 2,4)`,
    ]);

    // b expunges message 2: a hears REMOVEFROM with number 2, then the EXPUNGE.
    ok(await b.run('STORE 2 +FLAGS (\\Deleted)'));
    ok(await b.run('EXPUNGE'));
    const expunged = untagged(ok(await a.run('NOOP')));
    const remove = expunged.indexOf(`* ESEARCH (TAG "${tag}") REMOVEFROM (1 2)`);
    assert.ok(remove >= 0 && remove < expunged.indexOf('* 2 EXPUNGE'), expunged.join('\n'));

    // New mail that matches: EXISTS, then ADDTO with its number.
    ok(await b.run(appendCommand('INBOX', message(6), '\\Flagged')));
    const added = untagged(ok(await a.run('NOOP')));
    assert.deepEqual(added.slice(0, 1), ['* 4 EXISTS']);
    assert.ok(added.includes(`* ESEARCH (TAG "${tag}") ADDTO (2 4)`), added.join('\n'));

    // The session's own changes count too.
    ok(await a.run('STORE 3 -FLAGS (\\Flagged)'));
    const own = untagged(ok(await a.run('NOOP')));
    assert.deepEqual(own, []);
    const stored = untagged(ok(await a.run('STORE 1 +FLAGS (\\Flagged)')));
    assert.ok(stored.includes(`* ESEARCH (TAG "${tag}") ADDTO (1 1)`), stored.join('\n'));

    ok(await a.run(`CANCELUPDATE "${tag}"`));
    ok(await b.run('STORE 1:* -FLAGS (\\Flagged)'));
    assert.ok(!untagged(ok(await a.run('NOOP'))).some((l) => l.startsWith('* ESEARCH')));
    assert.match((await a.run(`CANCELUPDATE "${tag}"`)).at(-1)!, /^t\d+ BAD /);
  } finally {
    await close();
  }
});

test('UID SORT RETURN (UPDATE): positions in sort order; updates end with the selection', async () => {
  const { a, b, close } = await mailbox(3);
  try {
    const start = ok(await a.run('UID SORT RETURN (UPDATE ALL) (REVERSE DATE) UTF-8 UNSEEN'));
    const tag = /^(t\d+) /.exec(start.at(-1)!)![1];
    assert.deepEqual(untagged(start), [`* ESEARCH (TAG "${tag}") UID ALL 3,2,1`]);
    ok(await b.run(appendCommand('INBOX', message(4))));
    ok(await b.run('STORE 2 +FLAGS (\\Seen)'));
    const update = untagged(ok(await a.run('NOOP'))).filter((l) => l.startsWith('* ESEARCH'));
    // Removal of UID 2 (position 2 of 3,2,1), then UID 4 first in reverse date order.
    assert.deepEqual(update, [`* ESEARCH (TAG "${tag}") UID REMOVEFROM (2 2) ADDTO (1 4)`]);

    ok(await a.run('SELECT Archive'));
    ok(await a.run('SELECT INBOX'));
    ok(await b.run(appendCommand('INBOX', message(5))));
    assert.ok(!untagged(ok(await a.run('NOOP'))).some((l) => l.startsWith('* ESEARCH')));
    assert.match((await a.run(`CANCELUPDATE "${tag}"`)).at(-1)!, /^t\d+ BAD /, 'gone with the selection');
  } finally {
    await close();
  }
});

test('NOUPDATE once a session keeps ten updating searches; the search is still answered', async () => {
  const { a, close } = await mailbox(1);
  try {
    for (let i = 0; i < 10; i++) ok(await a.run('SEARCH RETURN (UPDATE) ALL'));
    const eleventh = ok(await a.run('SEARCH RETURN (UPDATE COUNT) ALL'));
    const tag = /^(t\d+) /.exec(eleventh.at(-1)!)![1];
    assert.deepEqual(untagged(eleventh), [
      `* ESEARCH (TAG "${tag}") COUNT 1`,
      `* NO [NOUPDATE "${tag}"] At most 10 updating searches`,
    ]);
  } finally {
    await close();
  }
});

const IMAPLIB = `
import imaplib, os
m = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
m.login(os.environ['USER'], 'pw')
m.select('INBOX')
typ, data = m.search(None, 'RETURN (PARTIAL 2:3)', 'ALL')
print(typ, m.untagged_responses.pop('ESEARCH', [b''])[0].decode())
m.logout()
`;

test('Python imaplib: SEARCH RETURN (PARTIAL) answered with ESEARCH', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const { login, close } = await mailbox(4);
  try {
    const env = `import os\nos.environ.update(PORT='${fx.port}', USER='${login}')\n`;
    const run = await runTool('python3', ['-c', env + IMAPLIB]);
    assert.equal(run.status, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /^OK \(TAG "[A-Z0-9]+"\) PARTIAL \(2:3 2:3\)$/m);
  } finally {
    await close();
  }
});
