import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { IngestMeta } from '../../../mime/ingest-meta.js';
import type { SearchCommand } from '../../../protocol/imap/command.js';
import { parseCommand } from '../../../protocol/imap/parser/index.js';
import type { MessageRecord } from '../../../store/store.js';
import { matches, metaNeeded, type SearchScope, type SearchSubject } from './evaluate.js';

function criteria(text: string): SearchCommand['criteria'] {
  const { command } = parseCommand([Buffer.from(`a SEARCH ${text}`)], []);
  return (command as SearchCommand).criteria;
}

const now = Date.UTC(2026, 2, 10, 12);

function message(
  uid: number,
  seq: number,
  extra: Partial<MessageRecord> = {},
  meta: Partial<IngestMeta> = {},
): SearchSubject {
  const record: MessageRecord = {
    uid,
    modseq: uid * 10,
    flags: [],
    internalDate: new Date(Date.UTC(2026, 2, uid)),
    saveDate: new Date(Date.UTC(2026, 2, uid)),
    size: uid * 1000,
    blobId: 'x',
    popHidden: false,
    ...extra,
  };
  const fullMeta: IngestMeta = {
    envelope: '',
    bodyStructure: '',
    body: '',
    structure: '',
    preview: '',
    headerText: `From: Alice <alice@example.com>\nSubject: Report ${uid}\nX-Tag: t${uid}`,
    bodyText: `Quarterly numbers for message ${uid}`,
    sentDate: Date.UTC(2026, 1, uid),
    sentZone: 0,
    ...meta,
  };
  return { record, meta: fullMeta, seq };
}

const scope: SearchScope = {
  exists: 3,
  lastUid: 9,
  isRecent: (uid) => uid === 9,
  saved: new Set([5]),
  now,
};
const messages = [
  message(1, 1, { flags: ['\\Seen', '\\Answered'] }),
  message(5, 2, { flags: ['\\Flagged', '$Work'] }),
  message(9, 3, { flags: ['\\Deleted', '\\Draft'] }),
];

function search(text: string): number[] {
  const key = criteria(text);
  return messages.filter((m) => matches(key, m, scope)).map((m) => m.record.uid);
}

test('SEARCH flag keys, keywords and rev1 NEW/OLD/RECENT', () => {
  assert.deepEqual(search('ALL'), [1, 5, 9]);
  assert.deepEqual(search('SEEN'), [1]);
  assert.deepEqual(search('UNSEEN'), [5, 9]);
  assert.deepEqual(search('ANSWERED'), [1]);
  assert.deepEqual(search('UNANSWERED'), [5, 9]);
  assert.deepEqual(search('FLAGGED'), [5]);
  assert.deepEqual(search('UNFLAGGED'), [1, 9]);
  assert.deepEqual(search('DELETED'), [9]);
  assert.deepEqual(search('UNDELETED'), [1, 5]);
  assert.deepEqual(search('DRAFT'), [9]);
  assert.deepEqual(search('UNDRAFT'), [1, 5]);
  assert.deepEqual(search('KEYWORD $work'), [5]);
  assert.deepEqual(search('UNKEYWORD $Work'), [1, 9]);
  assert.deepEqual(search('RECENT'), [9]);
  assert.deepEqual(search('NEW'), [9]);
  assert.deepEqual(search('OLD'), [1, 5]);
});

test('SEARCH text keys use the ingest search text, case-insensitively', () => {
  assert.deepEqual(search('FROM alice'), [1, 5, 9]);
  assert.deepEqual(search('SUBJECT "report 5"'), [5]);
  assert.deepEqual(search('HEADER X-Tag t9'), [9]);
  assert.deepEqual(search('HEADER X-Tag ""'), [1, 5, 9]);
  assert.deepEqual(search('HEADER X-Missing ""'), []);
  assert.deepEqual(search('TO alice'), []);
  assert.deepEqual(search('CC x'), []);
  assert.deepEqual(search('BCC x'), []);
  assert.deepEqual(search('BODY QUARTERLY'), [1, 5, 9]);
  assert.deepEqual(search('TEXT "message 1"'), [1]);
  assert.deepEqual(search('TEXT report'), [1, 5, 9]);
});

test('SEARCH FROM/TO/CC/BCC also match addresses in obsolete syntax with comments, as ENVELOPE parses them', () => {
  const headerText = [
    'From: <user-from (comment)@ (comment) domain.org>',
    'To: "Real, To" <user-to@domain.org>',
    'Cc: user-cc@domain.org (RealCc), group: member@domain.org;',
    'Subject: <user-from (comment)@ (comment) domain.org>',
  ].join('\n');
  const key = (text: string) => matches(criteria(text), message(1, 1, {}, { headerText }), scope);
  assert.equal(key('FROM user-from@domain.org'), true);
  assert.equal(key('FROM <user-from@domain.org>'), true);
  assert.equal(key('FROM comment'), true); // the text as written still counts
  assert.equal(key('TO "Real, To <user-to@domain.org>"'), true);
  assert.equal(key('CC "RealCc <user-cc@domain.org>"'), true);
  assert.equal(key('CC member@domain.org'), true);
  assert.equal(key('CC group@'), false);
  assert.equal(key('SUBJECT user-from@domain.org'), false); // not an address field
  assert.equal(key('FROM user-from1@domain.org'), false);
});

test('SEARCH dates, sizes, sets, modseq and boolean structure', () => {
  assert.deepEqual(search('BEFORE 5-Mar-2026'), [1]);
  assert.deepEqual(search('ON 5-Mar-2026'), [5]);
  assert.deepEqual(search('SINCE 5-Mar-2026'), [5, 9]);
  assert.deepEqual(search('SENTBEFORE 2-Feb-2026'), [1]);
  assert.deepEqual(search('SENTON 9-Feb-2026'), [9]);
  assert.deepEqual(search('SENTSINCE 5-Feb-2026'), [5, 9]);
  assert.deepEqual(search('LARGER 1000'), [5, 9]);
  assert.deepEqual(search('SMALLER 5001'), [1, 5]);
  assert.deepEqual(search('2:*'), [5, 9]);
  assert.deepEqual(search('UID 5:*'), [5, 9]);
  assert.deepEqual(search('UID 10:*'), [9]);
  assert.deepEqual(search('MODSEQ 50'), [5, 9]);
  assert.deepEqual(search('OR SEEN FLAGGED'), [1, 5]);
  assert.deepEqual(search('NOT (OR SEEN FLAGGED)'), [9]);
  assert.deepEqual(search('NOT (SEEN OR FLAGGED DELETED)'), [1, 5, 9]);
  assert.deepEqual(search('(SEEN ANSWERED) UID 1'), [1]);
  assert.deepEqual(search('$'), [5]);
});

test('SEARCH SENT* compare the calendar date of the Date header in its own zone (RFC 3501 §6.4.4)', () => {
  // Sun, 25 Mar 2007 00:00:00 +0200 is 24 Mar 22:00 UTC; Sat, 27 Oct 2007 23:30:00 -0500 is 28 Oct UTC.
  const east = message(1, 1, {}, { sentDate: Date.UTC(2007, 2, 24, 22), sentZone: 120 });
  const west = message(2, 2, {}, { sentDate: Date.UTC(2007, 9, 28, 4, 30), sentZone: -300 });
  const legacy = message(3, 3, {}, { sentDate: Date.UTC(2007, 2, 24, 22), sentZone: null });
  const hits = (text: string) =>
    [east, west, legacy].filter((m) => matches(criteria(text), m, scope)).map((m) => m.record.uid);
  assert.deepEqual(hits('SENTON 25-Mar-2007'), [1]);
  assert.deepEqual(hits('SENTON 24-Mar-2007'), [3]); // no zone known: the UTC day, as before
  assert.deepEqual(hits('SENTBEFORE 25-Mar-2007'), [3]);
  assert.deepEqual(hits('SENTSINCE 25-Mar-2007'), [1, 2]);
  assert.deepEqual(hits('SENTON 27-Oct-2007'), [2]);
  assert.deepEqual(hits('SENTBEFORE 28-Oct-2007'), [1, 2, 3]);
  assert.deepEqual(hits('SENTSINCE 28-Oct-2007'), []);
});

test('SEARCH loads search text only for keys that need it', () => {
  assert.equal(metaNeeded(criteria('FLAGGED UID 1:5')), 'none');
  assert.equal(metaNeeded(criteria('SENTSINCE 1-Jan-2020')), 'meta');
  assert.equal(metaNeeded(criteria('OR SEEN NOT BODY x')), 'text');
  assert.equal(metaNeeded(criteria('FROM x SENTSINCE 1-Jan-2020')), 'header');
  assert.equal(metaNeeded(criteria('OR SUBJECT x HEADER X-Y z')), 'header');
  assert.equal(metaNeeded(criteria('OR FROM x TEXT y')), 'text');
  assert.equal(metaNeeded(criteria('NOT SENTBEFORE 1-Jan-2020')), 'meta');
});
