/** CONDSTORE (RFC 7162 §3.1): enabling, HIGHESTMODSEQ, MODSEQ in FETCH/STORE/SEARCH, UNCHANGEDSINCE. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendCommand, type ImapFixture, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

/** Answer lines without rev1's \\Recent (which session claims it is not the point here). */
async function run(imap: Awaited<ReturnType<typeof rawImap>>, command: string): Promise<string[]> {
  return (await imap.run(command)).map((l) => l.replace(/ \\Recent\b/g, '').replace(/\(\\Recent\)/g, '()'));
}

test('CONDSTORE: ENABLE, SELECT HIGHESTMODSEQ, FETCH CHANGEDSINCE, STORE UNCHANGEDSINCE, SEARCH MODSEQ', async () => {
  const a = await rawImap(fx.port, fx.users[0]);
  const b = await rawImap(fx.port, fx.users[0]);
  try {
    for (let i = 0; i < 3; i++) await run(a, appendCommand('INBOX'));
    assert.ok((await run(a, 'ENABLE CONDSTORE')).includes('* ENABLED CONDSTORE'));
    const select = await run(a, 'SELECT INBOX');
    const highest = Number(/\[HIGHESTMODSEQ (\d+)\]/.exec(select.join('\n'))?.[1]);
    assert.ok(highest > 0, select.join('\n'));

    const stored = await run(a, 'STORE 2 +FLAGS (\\Flagged)');
    const modseq = Number(
      /^\* 2 FETCH \(FLAGS \(\\Flagged\) MODSEQ \((\d+)\)\)$/m.exec(stored.join('\n'))?.[1],
    );
    assert.ok(modseq > highest, stored.join('\n'));

    const changed = await run(a, `FETCH 1:* (FLAGS) (CHANGEDSINCE ${highest})`);
    assert.deepEqual(
      changed.filter((l) => l.startsWith('*')),
      [`* 2 FETCH (FLAGS (\\Flagged) MODSEQ (${modseq}))`],
    );

    const conditional = await run(a, `STORE 1:2 (UNCHANGEDSINCE ${highest}) +FLAGS (\\Seen)`);
    assert.match(conditional.at(-1) ?? '', /OK \[MODIFIED 2\]/);

    const search = await run(a, `SEARCH MODSEQ ${modseq}`);
    // Message 1 got \Seen from the conditional STORE after message 2's change: both match.
    const highestMatched = Number(/^\* SEARCH 1 2 \(MODSEQ (\d+)\)$/m.exec(search.join('\n'))?.[1]);
    assert.ok(highestMatched > modseq, search.join('\n'));

    // Another session's change reaches this one with its MODSEQ.
    await run(b, 'SELECT INBOX');
    await run(b, 'STORE 3 +FLAGS (\\Answered)');
    const noop = await run(a, 'NOOP');
    assert.ok(
      noop.some((l) => /^\* 3 FETCH \(UID 3 FLAGS \(\\Answered\) MODSEQ \(\d+\)\)$/.test(l)),
      noop.join('\n'),
    );
  } finally {
    await a.close();
    await b.close();
  }
});

test('a CONDSTORE-enabling command while selected sends HIGHESTMODSEQ first, once (RFC 7162 §3.1)', async () => {
  const a = await rawImap(fx.port, fx.users[0]);
  const b = await rawImap(fx.port, fx.users[0]);
  try {
    await run(a, 'CREATE Enable');
    await run(a, appendCommand('Enable'));
    const select = await run(a, 'SELECT Enable');
    assert.ok(!select.some((l) => l.includes('HIGHESTMODSEQ')), select.join('\n'));
    const fetched = await run(a, 'FETCH 1 (MODSEQ)');
    const highest = /^\* OK \[HIGHESTMODSEQ (\d+)\] Highest$/.exec(fetched[0] ?? '')?.[1];
    assert.ok(highest, fetched.join('\n'));
    assert.equal(fetched[1], `* 1 FETCH (MODSEQ (${highest}))`);
    assert.ok(!(await run(a, 'FETCH 1 (MODSEQ)')).some((l) => l.includes('[HIGHESTMODSEQ')));
    // STATUS HIGHESTMODSEQ enables it too; not selected, there is nothing to report.
    const status = await run(b, 'STATUS Enable (HIGHESTMODSEQ)');
    assert.ok(!status.some((l) => l.includes('[HIGHESTMODSEQ')), status.join('\n'));
  } finally {
    await a.close();
    await b.close();
  }
});

test('ESEARCH RETURN (MIN/MAX) MODSEQ: the modseq of the messages returned (RFC 4731 §3.2)', async () => {
  const a = await rawImap(fx.port, fx.users[0]);
  try {
    await run(a, 'CREATE Esearch');
    for (let i = 0; i < 4; i++) await run(a, appendCommand('Esearch'));
    await run(a, 'ENABLE CONDSTORE');
    await run(a, 'SELECT Esearch');
    const modseq: number[] = [];
    for (const seq of [1, 3, 2, 4]) {
      const lines = await run(a, `STORE ${seq} +FLAGS (\\Seen)`);
      modseq[seq] = Number(/MODSEQ \((\d+)\)/.exec(lines.join('\n'))?.[1]);
    }
    const esearch = async (options: string, set: string, since = 1) => {
      const lines = await run(a, `SEARCH RETURN (${options}) ${set} MODSEQ "/flags/\\\\seen" all ${since}`);
      const line = lines.find((l) => l.startsWith('* ESEARCH')) ?? lines.join('\n');
      return line.replace(/^\* ESEARCH \(TAG "t\d+"\) ?/, '');
    };
    assert.equal(await esearch('MIN', '1:3'), `MIN 1 MODSEQ ${modseq[1]}`);
    assert.equal(await esearch('MAX', '1:3'), `MAX 3 MODSEQ ${modseq[3]}`);
    assert.equal(await esearch('', '1:3'), `ALL 1:3 MODSEQ ${modseq[2]}`);
    assert.equal(await esearch('MIN MAX', '2:3'), `MIN 2 MAX 3 MODSEQ ${modseq[2]}`);
    assert.equal(await esearch('COUNT MIN', '1:3'), `MIN 1 COUNT 3 MODSEQ ${modseq[2]}`);
    assert.equal(await esearch('ALL', '2:3', modseq[2]), `ALL 2 MODSEQ ${modseq[2]}`);
    assert.equal(await esearch('ALL', '2:3', modseq[4]), '');
  } finally {
    await a.close();
  }
});

test('sessions that never enable CONDSTORE see no MODSEQ', async () => {
  const c = await rawImap(fx.port, fx.users[0]);
  try {
    const lines = [...(await c.run('SELECT INBOX')), ...(await c.run('STORE 1 +FLAGS (\\Draft)'))];
    assert.ok(!lines.some((l) => /MODSEQ/.test(l)), lines.join('\n'));
  } finally {
    await c.close();
  }
});

test('QRESYNC: VANISHED instead of EXPUNGE, SELECT (QRESYNC ...) and UID FETCH (CHANGEDSINCE VANISHED)', async () => {
  const a = await rawImap(fx.port, fx.users[0]);
  const b = await rawImap(fx.port, fx.users[0]);
  try {
    await run(a, 'CREATE Q');
    for (let i = 0; i < 4; i++) await run(a, appendCommand('Q'));
    assert.match((await run(a, 'SELECT Q (QRESYNC (1 1))')).at(-1) ?? '', /BAD/, 'needs ENABLE QRESYNC');
    assert.ok((await run(a, 'ENABLE QRESYNC')).includes('* ENABLED QRESYNC'));
    const first = await run(a, 'SELECT Q');
    const uidValidity = Number(/\[UIDVALIDITY (\d+)\]/.exec(first.join('\n'))?.[1]);
    const known = Number(/\[HIGHESTMODSEQ (\d+)\]/.exec(first.join('\n'))?.[1]);

    // Own EXPUNGE and another session's are announced as VANISHED.
    await run(a, 'STORE 1 +FLAGS.SILENT (\\Deleted)');
    assert.ok((await run(a, 'EXPUNGE')).includes('* VANISHED 1'));
    await run(b, 'SELECT Q');
    await run(b, 'UID STORE 2 +FLAGS.SILENT (\\Deleted)');
    await run(b, 'UID EXPUNGE 2');
    await run(b, 'UID STORE 3 +FLAGS (\\Flagged)');
    const noop = await run(a, 'NOOP');
    assert.ok(noop.includes('* VANISHED 2'), noop.join('\n'));
    assert.ok(!noop.some((l) => / EXPUNGE$/.test(l)));

    const fetched = await run(a, `UID FETCH 1:* (FLAGS) (CHANGEDSINCE ${known} VANISHED)`);
    assert.equal(fetched[0], '* VANISHED (EARLIER) 1:2');
    assert.ok(
      fetched.some((l) => /UID 3 .*\\Flagged/.test(l) || /\\Flagged.*UID 3/.test(l)),
      fetched.join('\n'),
    );

    await run(a, 'UNSELECT');
    const resync = await run(a, `SELECT Q (QRESYNC (${uidValidity} ${known}))`);
    assert.ok(resync.includes('* VANISHED (EARLIER) 1:2'), resync.join('\n'));
    assert.ok(
      resync.some((l) => /^\* 1 FETCH \(UID 3 FLAGS \(\\Flagged\) MODSEQ \(\d+\)\)$/.test(l)),
      resync.join('\n'),
    );
  } finally {
    await a.close();
    await b.close();
  }
});
