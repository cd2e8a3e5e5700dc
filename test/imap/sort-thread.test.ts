/**
 * SORT, ESORT and THREAD (RFC 5256, RFC 5267, RFC 5957): Dovecot's recorded answers to the same
 * messages (test/fixtures/sort-thread, from record-dovecot.py) must come back byte for byte; Python
 * imaplib's sort()/thread(); raw sockets for syntax, charsets, SEARCHRES and errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runTool } from '../delivery/helpers/run-tool.js';
import { requireTool } from '../helpers/tools.js';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

interface Corpus {
  seed: number;
  messages: { date: string; raw: string }[];
  answers: Record<string, string[]>;
}
const FIXTURE = fileURLToPath(
  new URL(
    `${import.meta.url.includes('/dist/') ? '../../../' : '../../'}test/fixtures/sort-thread/dovecot-answers.json`,
    import.meta.url,
  ),
);
const corpora = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { corpora: Corpus[] }).corpora;

let fx: ImapFixture;
let imap: RawImap;
before(async () => {
  fx = await startImapFixture(1);
  imap = await rawImap(fx.port, fx.users[0]);
});
after(async () => {
  await imap.close();
  await fx.srv.close();
});

async function fill(box: string, corpus: Corpus): Promise<void> {
  await imap.run(`CREATE ${box}`);
  for (const m of corpus.messages) {
    const lines = await imap.run(`APPEND ${box} "${m.date}" {${Buffer.byteLength(m.raw)}+}\r\n${m.raw}\r\n`);
    assert.match(lines.at(-1)!, /^t\d+ OK/);
  }
}

for (const corpus of corpora) {
  test(`Dovecot's answers for corpus ${corpus.seed} (${corpus.messages.length} messages)`, async () => {
    const box = `Corpus${corpus.seed}`;
    await fill(box, corpus);
    await imap.run(`SELECT ${box}`);
    for (const [command, expected] of Object.entries(corpus.answers)) {
      const lines = await imap.run(command);
      assert.match(lines.at(-1)!, /^t\d+ OK /, command);
      const got = lines.slice(0, -1).map((l) => l.replace(/\(TAG "[^"]*"\)/, '(TAG)'));
      assert.deepEqual(got, expected, command);
    }
  });
}

test('imaplib: sort() and thread()', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const user = fx.users[0]!;
  const script = `
import imaplib
m = imaplib.IMAP4('127.0.0.1', ${fx.port})
m.login('${user.login}', '${user.password}')
m.select('Corpus7')
print('SORT', m.sort('(REVERSE DATE)', 'UTF-8', 'SUBJECT', 'hello')[1][0].decode())
print('THREAD', m.thread('REFERENCES', 'UTF-8', 'SUBJECT', 'third')[1][0].decode())
print('UID', m.uid('SORT', '(SUBJECT)', 'UTF-8', 'ALL')[1][0].decode()[:20])
m.logout()
`;
  const run = await runTool('python3', ['-c', script]);
  assert.equal(run.status, 0, run.stderr);
  const out = Object.fromEntries(
    run.stdout
      .trim()
      .split('\n')
      .map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]),
  );
  const raw = async (c: string) => (await imap.run(c))[0]!.replace(/^\* (SORT|THREAD) ?/, '');
  await imap.run('SELECT Corpus7');
  assert.equal(out.SORT, await raw('SORT (REVERSE DATE) UTF-8 SUBJECT hello'));
  assert.ok(out.SORT!.split(' ').length > 3);
  assert.equal(out.THREAD, await raw('THREAD REFERENCES UTF-8 SUBJECT third'));
  assert.ok((await raw('UID SORT (SUBJECT) UTF-8 ALL')).startsWith(out.UID!));
});

test('raw socket: SORT/THREAD syntax, charsets, states, SEARCHRES and MODSEQ', async () => {
  const other = await rawImap(fx.port, fx.users[0]);
  try {
    assert.match((await other.run('SORT (DATE) UTF-8 ALL')).at(-1)!, /^t\d+ BAD/, 'not selected');
    await other.run('SELECT Corpus7');
    const cases: [string, RegExp][] = [
      ['SORT (DATE) KOI8-R ALL', /^t\d+ NO \[BADCHARSET/],
      ['THREAD REFERENCES KOI8-R ALL', /^t\d+ NO \[BADCHARSET/],
      ['SORT () UTF-8 ALL', /^t\d+ BAD/],
      ['SORT (DATE) UTF-8', /^t\d+ BAD/],
      ['SORT DATE UTF-8 ALL', /^t\d+ BAD/],
      ['SORT (REVERSE) UTF-8 ALL', /^t\d+ BAD/],
      ['SORT (NAME) UTF-8 ALL', /^t\d+ BAD/],
      ['SORT RETURN (BOGUS) (DATE) UTF-8 ALL', /^t\d+ BAD/],
      ['THREAD UNKNOWN UTF-8 ALL', /^t\d+ BAD/],
      ['THREAD REFERENCES UTF-8', /^t\d+ BAD/],
      ['SORT (DATE) UTF-8 NOSUCHKEY', /^t\d+ BAD/],
    ];
    for (const [command, expected] of cases) {
      const lines = await other.run(command);
      assert.match(lines.at(-1)!, expected, `${command}: ${lines.join(' | ')}`);
      assert.equal(lines.length, 1, command);
    }
    assert.equal(
      (await other.run('SORT (SUBJECT) US-ASCII UID 1:3'))[0],
      (await other.run('SORT (SUBJECT) UTF-8 UID 1:3'))[0],
    );
    // An empty result: "* SORT" and "* THREAD" alone; ESORT with COUNT 0 only.
    assert.equal((await other.run('SORT (DATE) UTF-8 SUBJECT nothing-matches'))[0], '* SORT');
    assert.equal((await other.run('THREAD ORDEREDSUBJECT UTF-8 SUBJECT nothing-matches'))[0], '* THREAD');
    assert.match(
      (await other.run('SORT RETURN (MIN COUNT) (DATE) UTF-8 SUBJECT nothing-matches'))[0]!,
      /^\* ESEARCH \(TAG "t\d+"\) COUNT 0$/,
    );
    // RFC 5182 SAVE: the saved set is the matching messages, SEARCH $ reads it.
    const saved = await other.run('SORT RETURN (SAVE) (REVERSE DATE) UTF-8 SUBJECT hello');
    assert.equal(saved.length, 1, saved.join('|'));
    const search = await other.run('SEARCH SUBJECT hello');
    assert.equal((await other.run('SEARCH $'))[0], search[0]);
    // RFC 7162 §3.1.5: a MODSEQ key adds the highest mod-sequence of the matches.
    const modseq = await other.run('SORT (DATE) UTF-8 MODSEQ 1 UID 1:2');
    assert.match(modseq[0]!, /^\* OK \[HIGHESTMODSEQ \d+\]/, 'CONDSTORE enabled by the MODSEQ key');
    assert.match(modseq[1]!, /^\* SORT \d+ \d+ \(MODSEQ \d+\)$/);
  } finally {
    await other.close();
  }
});
