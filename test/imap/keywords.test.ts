/**
 * Keywords in FLAGS / PERMANENTFLAGS (RFC 9051 §7.3.5, §6.3.2): SELECT lists the keywords in use, and a
 * keyword new to the selected mailbox is announced (FLAGS, PERMANENTFLAGS) before the FETCH or EXISTS
 * that shows it, to this session and to others, as Dovecot does.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import { appendCommand, type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

const SYSTEM = '\\Answered \\Flagged \\Deleted \\Seen \\Draft';

let fx: ImapFixture;
let a: RawImap;
let b: RawImap;
before(async () => {
  fx = await startImapFixture(1);
  a = await rawImap(fx.port, fx.users[0]);
  b = await rawImap(fx.port, fx.users[0]);
  await a.run('CREATE Tags');
  await a.run(appendCommand('Tags', undefined, '\\Seen $Label1 Work'));
  await a.run(appendCommand('Tags', undefined, 'work'));
  await a.run(appendCommand('Tags'));
});
after(async () => {
  await a.close();
  await b.close();
  await fx.srv.close();
});

/** Index of the first line matching `pattern`, -1 if none. */
function at(lines: string[], pattern: RegExp): number {
  return lines.findIndex((l) => pattern.test(l));
}

test('SELECT lists system flags plus the keywords in use; EXAMINE has no PERMANENTFLAGS', async () => {
  const selected = await a.run('SELECT Tags');
  const flags = selected.find((l) => l.startsWith('* FLAGS'));
  assert.equal(flags, `* FLAGS (${SYSTEM} $Label1 Work)`);
  assert.ok(selected.includes(`* OK [PERMANENTFLAGS (${SYSTEM} $Label1 Work \\*)] Flags permitted`));
  const examined = await b.run('EXAMINE Tags');
  assert.ok(examined.includes(`* FLAGS (${SYSTEM} $Label1 Work)`), examined.join('\n'));
  assert.ok(examined.includes('* OK [PERMANENTFLAGS ()] Flags permitted'), examined.join('\n'));
  const empty = await b.run('EXAMINE Drafts');
  assert.ok(empty.includes(`* FLAGS (${SYSTEM})`), empty.join('\n'));
  await b.run('SELECT Tags');
});

test('STORE of a new keyword: FLAGS and PERMANENTFLAGS come before the FETCH, here and elsewhere', async () => {
  const lines = await a.run('STORE 3 +FLAGS (Urgent)');
  const flags = at(lines, /^\* FLAGS \(.* Urgent\)$/);
  const permanent = at(lines, /^\* OK \[PERMANENTFLAGS \(.* Urgent \\\*\)\]/);
  const fetch = at(lines, /^\* 3 FETCH \(FLAGS \(Urgent( \\Recent)?\)\)/);
  assert.ok(flags >= 0 && permanent > flags && fetch > permanent, lines.join('\n'));
  assert.equal(lines[flags], `* FLAGS (${SYSTEM} $Label1 Work Urgent)`);

  // The other session learns it at its next command, again before the FETCH.
  const other = await b.run('NOOP');
  const otherFlags = at(other, /^\* FLAGS \(.* Urgent\)$/);
  const otherFetch = at(other, /^\* 3 FETCH .*Urgent/);
  assert.ok(otherFlags >= 0 && otherFetch > otherFlags, other.join('\n'));

  // Known keywords (in any case) do not repeat FLAGS; .SILENT still announces a new one.
  assert.equal(at(await a.run('STORE 1 +FLAGS (urgent)'), /^\* FLAGS/), -1);
  const silent = await a.run('STORE 2 +FLAGS.SILENT (Quiet)');
  assert.ok(silent.includes(`* FLAGS (${SYSTEM} $Label1 Work Urgent Quiet)`), silent.join('\n'));
  assert.equal(at(silent, /FETCH/), -1);
});

test('APPEND of a message with a new keyword into the selected mailbox: FLAGS before EXISTS', async () => {
  const lines = await a.run(appendCommand('Tags', undefined, 'Fresh'));
  const flags = at(lines, /^\* FLAGS \(.* Fresh\)$/);
  const exists = at(lines, /^\* 4 EXISTS$/);
  assert.ok(flags >= 0 && exists > flags, lines.join('\n'));
  const other = await b.run('NOOP');
  assert.ok(at(other, /^\* FLAGS \(.* Fresh\)$/) >= 0 && at(other, /EXISTS/) > at(other, /^\* FLAGS/));
});

test('a keyword no message carries any more is left out at the next SELECT', async () => {
  await a.run('STORE 1:* -FLAGS (Quiet Fresh)');
  const flags = (await a.run('SELECT Tags')).find((l) => l.startsWith('* FLAGS')) ?? '';
  const keywords = flags.slice(`* FLAGS (${SYSTEM} `.length, -1).split(' ');
  assert.deepEqual(keywords.map((k) => k.toLowerCase()).sort(), ['$label1', 'urgent', 'work'], flags);
});

test('a keyword another process set is announced before the FETCH or STORE answer that shows it', async () => {
  // A second store on the same files (like `postyard deliver` or the CLI): its change reaches the
  // server's sessions only at the next change-log poll, so the answers below read it from the store
  // before any notification; without the fix they showed the keyword before FLAGS did.
  const other = await openSqliteStore({ dataDir: fx.srv.dataDir });
  try {
    const account = await other.getAccount(fx.users[0]!.login);
    const mailbox = await other.getMailbox(account!.id, 'Tags');
    await a.run('SELECT Tags');
    const index = (await other.getIndex(mailbox!.id)).uids;
    const store = (uid: number, flag: string) =>
      other.storeFlags({ mailboxId: mailbox!.id, uids: [uid], operation: 'add', flags: [flag] });

    await store(index[0]!, 'FromElsewhere');
    const fetched = await a.run('FETCH 1 (FLAGS)');
    const flags = at(fetched, /^\* FLAGS \(.* FromElsewhere\)$/);
    assert.ok(flags >= 0 && at(fetched, /^\* 1 FETCH .*FromElsewhere/) > flags, fetched.join('\n'));

    // STORE echoes the flags of every message it names, including one it did not change.
    await store(index[1]!, 'AlsoElsewhere');
    const stored = await a.run('STORE 1:2 +FLAGS (\\Seen)');
    const storedFlags = at(stored, /^\* FLAGS \(.* AlsoElsewhere\)$/);
    assert.ok(storedFlags >= 0 && at(stored, /^\* 2 FETCH .*AlsoElsewhere/) > storedFlags, stored.join('\n'));
  } finally {
    await other.close();
  }
});
