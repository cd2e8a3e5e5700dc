import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSequenceSet } from '../../lib/seqset.js';
import { encodeUntaggedResponse } from '../../protocol/imap/encoder.js';
import type { UntaggedResponse } from '../../protocol/imap/response.js';
import type { Mailbox } from '../../store/store.js';
import { InvalidSequenceError, SelectedMailbox } from './selected.js';
import type { IndexChange, IndexListener, SharedMailboxIndex } from './shared-index.js';

/** A stand-in for the shared index: a fixed snapshot and a way to push changes. */
function fakeIndex(uids: number[]): { index: SharedMailboxIndex; push(change: Partial<IndexChange>): void } {
  const listeners = new Set<IndexListener>();
  const mailbox = { id: 1, name: 'INBOX', uidValidity: 7 } as Mailbox;
  const index = {
    mailbox,
    uids: () => Uint32Array.from(uids),
    listen(l: IndexListener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  } as unknown as SharedMailboxIndex;
  return {
    index,
    push(change) {
      for (const l of listeners) l({ expunged: [], added: [], flags: [], modseq: 0, ...change });
    },
  };
}

/** Responses as lines on the wire, without CRLF. */
const wire = (r: UntaggedResponse) => encodeUntaggedResponse(r).slice(0, -2);

async function flushed(
  selected: SelectedMailbox,
  allowExpunge: boolean,
  claimRecent?: () => Promise<number[]>,
): Promise<string[]> {
  const lines: string[] = [];
  await selected.flush((r) => lines.push(wire(r)), allowExpunge, claimRecent);
  return lines;
}

test('sequence sets resolve against the view; out-of-range numbers are BAD', () => {
  const { index } = fakeIndex([3, 5, 9, 12]);
  const s = new SelectedMailbox(index, { readOnly: false, rev1: false });
  assert.deepEqual(s.resolveSequenceSet(parseSequenceSet('2:*')), [5, 9, 12]);
  assert.deepEqual(s.resolveUidSet(parseSequenceSet('4:10')), [5, 9]);
  assert.deepEqual(s.resolveUidSet(parseSequenceSet('100:*')), [12]);
  assert.throws(() => s.resolveSequenceSet(parseSequenceSet('5')), InvalidSequenceError);
});

test('EXPUNGE is held back while a sequence-number command is answered', async () => {
  const fake = fakeIndex([1, 2, 3, 4]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: false });
  fake.push({ expunged: [2], added: [5], flags: [{ uid: 3, modseq: 9, flags: ['\\Seen'] }] });
  assert.deepEqual(await flushed(s, false), ['* 5 EXISTS', '* 3 FETCH (UID 3 FLAGS (\\Seen))']);
  assert.equal(s.exists(), 5);
  assert.equal(s.uidAt(2), 2, 'sequence numbers must not shift yet');
  assert.deepEqual(await flushed(s, true), ['* 2 EXPUNGE']);
  assert.equal(s.exists(), 4);
  assert.deepEqual(Array.from(s.allUids()), [1, 3, 4, 5]);
});

test('several EXPUNGEs are announced so each number is valid when sent', async () => {
  const fake = fakeIndex([10, 20, 30, 40, 50]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: false });
  fake.push({ expunged: [20, 40] });
  assert.deepEqual(await flushed(s, true), ['* 4 EXPUNGE', '* 2 EXPUNGE']);
  assert.deepEqual(s.removeOwnExpunged([10, 50]), [1, 2]);
  assert.deepEqual(Array.from(s.allUids()), [30]);
});

test('own STORE results are not echoed again, a message added and expunged is never announced', async () => {
  const fake = fakeIndex([1]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: false });
  s.noteOwnFlags([{ uid: 1, modseq: 5, flags: ['\\Flagged'] }]);
  fake.push({ flags: [{ uid: 1, modseq: 5, flags: ['\\Flagged'] }] });
  fake.push({ added: [2] });
  fake.push({ expunged: [2] });
  assert.deepEqual(await flushed(s, true), []);
});

test('rev1 sessions report \\Recent and RECENT counts', async () => {
  const fake = fakeIndex([1]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: true });
  s.settleRecent();
  fake.push({ added: [2] });
  assert.deepEqual(await flushed(s, true, async () => [2]), ['* 2 EXISTS', '* 1 RECENT']);
  assert.deepEqual(s.flagsOf(2, ['\\Seen']), ['\\Seen', '\\Recent']);
});

test('RECENT never counts claimed messages newer than the last EXISTS (it may not exceed EXISTS)', async () => {
  const fake = fakeIndex([1, 2, 3, 4]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: true });
  s.settleRecent();
  // Message 5 is announced; the claim already takes 6 and 7, appended meanwhile and not yet notified.
  fake.push({ added: [5] });
  assert.deepEqual(await flushed(s, true, async () => [5, 6, 7]), ['* 5 EXISTS', '* 1 RECENT']);
  assert.equal(s.recentCount(), 1);
  fake.push({ added: [6, 7] });
  assert.deepEqual(await flushed(s, true), ['* 7 EXISTS', '* 3 RECENT']);
  assert.deepEqual(s.flagsOf(7, []), ['\\Recent']);
});

test('keywordAnnouncement: FLAGS before an answer showing a keyword not yet announced, then not again', async () => {
  const fake = fakeIndex([1, 2]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: false });
  s.setKeywords(['Known']);
  const flags = (...keywords: string[]) => [
    `* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft ${keywords.join(' ')})`,
    `* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft ${keywords.join(' ')} \\*)] Flags permitted`,
  ];
  assert.deepEqual(s.keywordAnnouncement([{ uid: 1, modseq: 2, flags: ['\\Seen', 'known'] }]).map(wire), []);
  // Read from the store before any notification (another process, or a change still on its way).
  assert.deepEqual(
    s.keywordAnnouncement([{ uid: 1, modseq: 3, flags: ['Fresh'] }]).map(wire),
    flags('Known', 'Fresh'),
  );
  // Queued by a notification but owed until the next flush: an answer showing it comes first.
  fake.push({ flags: [{ uid: 2, modseq: 4, flags: ['Queued'] }] });
  assert.deepEqual(
    s.keywordAnnouncement([{ uid: 2, modseq: 4, flags: ['Queued'] }]).map(wire),
    flags('Known', 'Fresh', 'Queued'),
  );
  assert.deepEqual(await flushed(s, true), ['* 2 FETCH (UID 2 FLAGS (Queued))']);
});

test('a keyword that arrives while flush waits for claimRecent is announced before the FETCH showing it', async () => {
  // Two workers: another worker's STORE reaches this session's index while the rev1 session's flush
  // waits for its \Recent claim (a write). imaptest: "Keyword used without being in FLAGS".
  const fake = fakeIndex([1, 2]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: true });
  s.setKeywords([]);
  s.settleRecent();
  fake.push({ added: [3] });
  const lines = await flushed(s, true, async () => {
    fake.push({ flags: [{ uid: 1, modseq: 9, flags: ['$Label1'] }] });
    return [3];
  });
  const fetch = lines.indexOf('* 1 FETCH (UID 1 FLAGS ($Label1))');
  const announced = lines.findIndex((line) => line.startsWith('* FLAGS (') && line.includes('$Label1'));
  assert.ok(fetch >= 0, lines.join('\n'));
  assert.ok(announced >= 0 && announced < fetch, `FLAGS must come before the FETCH:\n${lines.join('\n')}`);
});

test('a message claimed as recent but expunged before its EXISTS never counts in RECENT', async () => {
  const fake = fakeIndex([1]);
  const s = new SelectedMailbox(fake.index, { readOnly: false, rev1: true });
  s.settleRecent();
  fake.push({ added: [2] });
  // The claim also takes 3, appended meanwhile; 3 is expunged before this session announced it.
  assert.deepEqual(await flushed(s, true, async () => [2, 3]), ['* 2 EXISTS', '* 1 RECENT']);
  fake.push({ added: [3] });
  fake.push({ expunged: [3] });
  fake.push({ added: [4] });
  assert.deepEqual(await flushed(s, true, async () => [4]), ['* 3 EXISTS', '* 2 RECENT']);
});
