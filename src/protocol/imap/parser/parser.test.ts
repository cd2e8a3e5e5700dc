import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command, SearchKey } from '../command.js';
import { replayAllChunkings } from '../test-support.js';

const all = { kind: 'ranges', ranges: [{ from: 1, to: '*' }] } as const;
const one = (n: number) => ({ kind: 'ranges', ranges: [{ from: n, to: n }] }) as const;

/** Parses one command line (all chunkings must agree) and returns the command. */
function parse(line: string): Command {
  const events = replayAllChunkings(`${line}\r\n`, { rounds: 4 }).filter((e) => e.type !== 'continue');
  assert.equal(events.length, 1, JSON.stringify(events));
  const ev = events[0]!;
  assert.equal(ev.type, 'command', JSON.stringify(ev));
  return (ev as { command: Command }).command;
}

function parseError(line: string): { tag?: string; text: string; code?: string; status: string } {
  const events = replayAllChunkings(`${line}\r\n`, { rounds: 4 }).filter((e) => e.type !== 'continue');
  const ev = events[0]!;
  assert.equal(ev.type, 'error', `expected an error for ${JSON.stringify(line)}, got ${JSON.stringify(ev)}`);
  return ev as never;
}

const search = (line: string): SearchKey => {
  const c = parse(`t SEARCH ${line}`);
  assert.equal(c.name, 'SEARCH');
  const and = (c as { criteria: SearchKey }).criteria;
  assert.equal(and.key, 'AND');
  const keys = (and as { readonly keys: readonly SearchKey[] }).keys;
  return keys.length === 1 ? keys[0]! : and;
};

const table: [string, Command][] = [
  ['a CAPABILITY', { name: 'CAPABILITY' }],
  ['a noop', { name: 'NOOP' }],
  ['a LOGOUT', { name: 'LOGOUT' }],
  ['a STARTTLS', { name: 'STARTTLS' }],
  ['a COMPRESS deflate', { name: 'COMPRESS', mechanism: 'DEFLATE' }],
  ['a IDLE', { name: 'IDLE' }],
  ['a CHECK', { name: 'CHECK' }],
  ['a CLOSE', { name: 'CLOSE' }],
  ['a UNSELECT', { name: 'UNSELECT' }],
  ['a NAMESPACE', { name: 'NAMESPACE' }],
  ['a EXPUNGE', { name: 'EXPUNGE', uid: false }],
  [
    'a UID EXPUNGE 3:5,9',
    {
      name: 'EXPUNGE',
      uid: true,
      set: {
        kind: 'ranges',
        ranges: [
          { from: 3, to: 5 },
          { from: 9, to: 9 },
        ],
      },
    },
  ],
  ['a AUTHENTICATE PLAIN', { name: 'AUTHENTICATE', mechanism: 'PLAIN' }],
  [
    'a authenticate plain AGJvYgBwdw==',
    { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: 'AGJvYgBwdw==' },
  ],
  ['a AUTHENTICATE PLAIN =', { name: 'AUTHENTICATE', mechanism: 'PLAIN', initialResponse: '=' }],
  ['a LOGIN bob secret', { name: 'LOGIN', username: 'bob', password: 'secret' }],
  ['a LOGIN "bob@x.org" "p\\"w\\\\"', { name: 'LOGIN', username: 'bob@x.org', password: 'p"w\\' }],
  ['a LOGIN {3}\r\nbob {4}\r\np ss', { name: 'LOGIN', username: 'bob', password: 'p ss' }],
  ['a LOGIN bob {4+}\r\n\u00c3\u00a9ab', { name: 'LOGIN', username: 'bob', password: 'éab' }],
  ['a ENABLE IMAP4rev2 condstore', { name: 'ENABLE', capabilities: ['IMAP4REV2', 'CONDSTORE'] }],
  ['a SELECT INBOX', { name: 'SELECT', mailbox: 'INBOX', condstore: false }],
  ['a EXAMINE "Sent Items"', { name: 'EXAMINE', mailbox: 'Sent Items', condstore: false }],
  ['a SELECT INBOX (CONDSTORE)', { name: 'SELECT', mailbox: 'INBOX', condstore: true }],
  [
    'a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541))',
    {
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      qresync: {
        uidValidity: 67890007,
        modseq: Number.MAX_SAFE_INTEGER, // clamped: above every modseq we issue
        knownUids: {
          kind: 'ranges',
          ranges: [
            { from: 41, to: 41 },
            { from: 43, to: 211 },
            { from: 214, to: 541 },
          ],
        },
      },
    },
  ],
  [
    'a SELECT INBOX (QRESYNC (1 2 1:9 (1:3 5:7)))',
    {
      name: 'SELECT',
      mailbox: 'INBOX',
      condstore: false,
      qresync: {
        uidValidity: 1,
        modseq: 2,
        knownUids: { kind: 'ranges', ranges: [{ from: 1, to: 9 }] },
        seqMatch: {
          seqs: { kind: 'ranges', ranges: [{ from: 1, to: 3 }] },
          uids: { kind: 'ranges', ranges: [{ from: 5, to: 7 }] },
        },
      },
    },
  ],
  ['a CREATE Archive/2024', { name: 'CREATE', mailbox: 'Archive/2024' }],
  ['a CREATE Junk (USE (\\Junk))', { name: 'CREATE', mailbox: 'Junk', specialUse: ['\\Junk'] }],
  ['a DELETE "a b"', { name: 'DELETE', mailbox: 'a b' }],
  ['a RENAME old new', { name: 'RENAME', from: 'old', to: 'new' }],
  ['a SUBSCRIBE &AOQ-', { name: 'SUBSCRIBE', mailbox: '&AOQ-' }],
  ['a UNSUBSCRIBE "caf\u00c3\u00a9"', { name: 'UNSUBSCRIBE', mailbox: 'café' }],
  [
    'a LIST "" *',
    {
      name: 'LIST',
      reference: '',
      patterns: ['*'],
      selectionOptions: [],
      returnOptions: { subscribed: false, children: false, specialUse: false },
      extended: false,
    },
  ],
  [
    'a LIST "" %/%]',
    {
      name: 'LIST',
      reference: '',
      patterns: ['%/%]'],
      selectionOptions: [],
      returnOptions: { subscribed: false, children: false, specialUse: false },
      extended: false,
    },
  ],
  [
    'a LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" Sent%) RETURN (CHILDREN SPECIAL-USE STATUS (MESSAGES UNSEEN))',
    {
      name: 'LIST',
      reference: '',
      patterns: ['INBOX', 'Sent%'],
      selectionOptions: ['SUBSCRIBED', 'RECURSIVEMATCH'],
      returnOptions: { subscribed: false, children: true, specialUse: true, status: ['MESSAGES', 'UNSEEN'] },
      extended: true,
    },
  ],
  [
    'a LIST (REMOTE RECURSIVEMATCH SUBSCRIBED) "" %',
    {
      name: 'LIST',
      reference: '',
      patterns: ['%'],
      selectionOptions: ['REMOTE', 'RECURSIVEMATCH', 'SUBSCRIBED'],
      returnOptions: { subscribed: false, children: false, specialUse: false },
      extended: true,
    },
  ],
  [
    'a LIST "" % RETURN (SUBSCRIBED)',
    {
      name: 'LIST',
      reference: '',
      patterns: ['%'],
      selectionOptions: [],
      returnOptions: { subscribed: true, children: false, specialUse: false },
      extended: true,
    },
  ],
  ['a LSUB "" *', { name: 'LSUB', reference: '', pattern: '*' }],
  [
    'a STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT HIGHESTMODSEQ)',
    {
      name: 'STATUS',
      mailbox: 'INBOX',
      items: ['MESSAGES', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'DELETED', 'SIZE', 'RECENT', 'HIGHESTMODSEQ'],
    },
  ],
  [
    'a FETCH 1 FLAGS',
    { name: 'FETCH', uid: false, set: one(1), attributes: [{ item: 'FLAGS' }], modifiers: {} },
  ],
  [
    'a FETCH 1:* ALL',
    {
      name: 'FETCH',
      uid: false,
      set: all,
      attributes: [
        { item: 'FLAGS' },
        { item: 'INTERNALDATE' },
        { item: 'RFC822.SIZE' },
        { item: 'ENVELOPE' },
      ],
      macro: 'ALL',
      modifiers: {},
    },
  ],
  [
    'a FETCH 1:* fast',
    {
      name: 'FETCH',
      uid: false,
      set: all,
      attributes: [{ item: 'FLAGS' }, { item: 'INTERNALDATE' }, { item: 'RFC822.SIZE' }],
      macro: 'FAST',
      modifiers: {},
    },
  ],
  [
    'a FETCH 2 FULL',
    {
      name: 'FETCH',
      uid: false,
      set: one(2),
      attributes: [
        { item: 'FLAGS' },
        { item: 'INTERNALDATE' },
        { item: 'RFC822.SIZE' },
        { item: 'ENVELOPE' },
        { item: 'BODY' },
      ],
      macro: 'FULL',
      modifiers: {},
    },
  ],
  [
    'a UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE MODSEQ RFC822 RFC822.HEADER RFC822.TEXT SAVEDATE)',
    {
      name: 'FETCH',
      uid: true,
      set: all,
      attributes: [
        { item: 'UID' },
        { item: 'FLAGS' },
        { item: 'INTERNALDATE' },
        { item: 'RFC822.SIZE' },
        { item: 'ENVELOPE' },
        { item: 'BODY' },
        { item: 'BODYSTRUCTURE' },
        { item: 'MODSEQ' },
        { item: 'RFC822' },
        { item: 'RFC822.HEADER' },
        { item: 'RFC822.TEXT' },
        { item: 'SAVEDATE' },
      ],
      modifiers: {},
    },
  ],
  [
    'a FETCH 1 (BODY[] BODY.PEEK[HEADER] BODY[TEXT]<10.20> BODY[1.2] BODY[1.MIME] BODY[2.HEADER.FIELDS (From "To")] BODY.PEEK[HEADER.FIELDS.NOT (X-A)])',
    {
      name: 'FETCH',
      uid: false,
      set: one(1),
      attributes: [
        { item: 'BODY[]', peek: false, section: { part: [], kind: '' } },
        { item: 'BODY[]', peek: true, section: { part: [], kind: 'HEADER' } },
        {
          item: 'BODY[]',
          peek: false,
          section: { part: [], kind: 'TEXT' },
          partial: { offset: 10, length: 20 },
        },
        { item: 'BODY[]', peek: false, section: { part: [1, 2], kind: '' } },
        { item: 'BODY[]', peek: false, section: { part: [1], kind: 'MIME' } },
        {
          item: 'BODY[]',
          peek: false,
          section: { part: [2], kind: 'HEADER.FIELDS', fields: ['FROM', 'TO'] },
        },
        { item: 'BODY[]', peek: true, section: { part: [], kind: 'HEADER.FIELDS.NOT', fields: ['X-A'] } },
      ],
      modifiers: {},
    },
  ],
  [
    'a FETCH 1 (BINARY[] BINARY.PEEK[1.2]<0.100> BINARY.SIZE[3])',
    {
      name: 'FETCH',
      uid: false,
      set: one(1),
      attributes: [
        { item: 'BINARY[]', peek: false, part: [] },
        { item: 'BINARY[]', peek: true, part: [1, 2], partial: { offset: 0, length: 100 } },
        { item: 'BINARY.SIZE', part: [3] },
      ],
      modifiers: {},
    },
  ],
  [
    'a FETCH 1 BODY.PEEK[]',
    {
      name: 'FETCH',
      uid: false,
      set: one(1),
      attributes: [{ item: 'BODY[]', peek: true, section: { part: [], kind: '' } }],
      modifiers: {},
    },
  ],
  [
    'a UID FETCH 1:* (FLAGS) (CHANGEDSINCE 12345 VANISHED)',
    {
      name: 'FETCH',
      uid: true,
      set: all,
      attributes: [{ item: 'FLAGS' }],
      modifiers: { changedSince: 12345, vanished: true },
    },
  ],
  [
    'a STORE 1:3 +FLAGS (\\Deleted \\seen)',
    {
      name: 'STORE',
      uid: false,
      set: { kind: 'ranges', ranges: [{ from: 1, to: 3 }] },
      operation: 'add',
      silent: false,
      flags: ['\\Deleted', '\\Seen'],
    },
  ],
  [
    'a UID STORE 5 -FLAGS.SILENT $Junk',
    { name: 'STORE', uid: true, set: one(5), operation: 'remove', silent: true, flags: ['$Junk'] },
  ],
  [
    'a STORE 5 FLAGS ()',
    { name: 'STORE', uid: false, set: one(5), operation: 'replace', silent: false, flags: [] },
  ],
  [
    'a STORE 5 FLAGS \\Answered foo',
    {
      name: 'STORE',
      uid: false,
      set: one(5),
      operation: 'replace',
      silent: false,
      flags: ['\\Answered', 'foo'],
    },
  ],
  [
    'a STORE 1 (UNCHANGEDSINCE 99) +FLAGS.SILENT (\\Flagged)',
    {
      name: 'STORE',
      uid: false,
      set: one(1),
      operation: 'add',
      silent: true,
      flags: ['\\Flagged'],
      unchangedSince: 99,
    },
  ],
  [
    'a COPY 1:2 Trash',
    { name: 'COPY', uid: false, set: { kind: 'ranges', ranges: [{ from: 1, to: 2 }] }, mailbox: 'Trash' },
  ],
  ['a UID MOVE $ "Junk"', { name: 'MOVE', uid: true, set: { kind: 'saved' }, mailbox: 'Junk' }],
  [
    'a FETCH 1 (PREVIEW (LAZY) BODY[1.2.3.MIME])',
    {
      name: 'FETCH',
      uid: false,
      set: one(1),
      attributes: [
        { item: 'PREVIEW' },
        { item: 'BODY[]', peek: false, section: { part: [1, 2, 3], kind: 'MIME' } },
      ],
      modifiers: {},
    },
  ],
  [
    'a FETCH 1 BODY.PEEK[HEADER.FIELDS ({4}\r\nDate)]',
    {
      name: 'FETCH',
      uid: false,
      set: one(1),
      attributes: [
        { item: 'BODY[]', peek: true, section: { part: [], kind: 'HEADER.FIELDS', fields: ['DATE'] } },
      ],
      modifiers: {},
    },
  ],
  ['a STATUS {5}\r\nDraft (APPENDLIMIT)', { name: 'STATUS', mailbox: 'Draft', items: ['APPENDLIMIT'] }],
  [
    'a EXAMINE INBOX (CONDSTORE QRESYNC (5 10))',
    { name: 'EXAMINE', mailbox: 'INBOX', condstore: true, qresync: { uidValidity: 5, modseq: 10 } },
  ],
  ['a NOTIFY NONE', { name: 'NOTIFY', set: null }],
  [
    'a notify set status (selected (MessageNew (UID FLAGS) messageexpunge FlagChange)) ' +
      '(subtree (Lists {4}\r\nWork) (MessageNew MessageExpunge)) (mailboxes Trash NONE) (personal (MailboxName x-Bogus))',
    {
      name: 'NOTIFY',
      set: {
        status: true,
        groups: [
          {
            filter: 'SELECTED',
            events: ['MessageNew', 'MessageExpunge', 'FlagChange'],
            fetch: [{ item: 'UID' }, { item: 'FLAGS' }],
          },
          { filter: 'SUBTREE', mailboxes: ['Lists', 'Work'], events: ['MessageNew', 'MessageExpunge'] },
          { filter: 'MAILBOXES', mailboxes: ['Trash'], events: [] },
          { filter: 'PERSONAL', events: ['MailboxName', 'X-BOGUS'] },
        ],
      },
    },
  ],
  ['a ID NIL', { name: 'ID', params: null }],
  [
    'a ID ("name" "Thunderbird" "version" NIL)',
    {
      name: 'ID',
      params: [
        ['name', 'Thunderbird'],
        ['version', null],
      ],
    },
  ],
  ['a GETQUOTA ""', { name: 'GETQUOTA', root: '' }],
  ['a getquota "User quota"', { name: 'GETQUOTA', root: 'User quota' }],
  ['a GETQUOTAROOT inbox', { name: 'GETQUOTAROOT', mailbox: 'inbox' }],
  [
    'a SETQUOTA "" (storage 512 MESSAGE 1000)',
    {
      name: 'SETQUOTA',
      root: '',
      limits: [
        ['STORAGE', 512],
        ['MESSAGE', 1000],
      ],
    },
  ],
  ['a SETQUOTA "" ()', { name: 'SETQUOTA', root: '', limits: [] }],
  [
    'a UID SORT (REVERSE date subject displayfrom) utf-8 SUBJECT "x y"',
    {
      name: 'SORT',
      uid: true,
      criteria: [
        { key: 'DATE', reverse: true },
        { key: 'SUBJECT', reverse: false },
        { key: 'DISPLAYFROM', reverse: false },
      ],
      charset: 'UTF-8',
      search: { key: 'AND', keys: [{ key: 'HEADER', field: 'subject', value: 'x y' }] },
    },
  ],
  [
    'a SORT RETURN (MIN COUNT) (ARRIVAL) US-ASCII ALL',
    {
      name: 'SORT',
      uid: false,
      criteria: [{ key: 'ARRIVAL', reverse: false }],
      charset: 'US-ASCII',
      search: { key: 'AND', keys: [{ key: 'ALL' }] },
      returnOptions: ['MIN', 'COUNT'],
    },
  ],
  [
    'a THREAD references UTF-8 ALL UNSEEN',
    {
      name: 'THREAD',
      uid: false,
      algorithm: 'REFERENCES',
      charset: 'UTF-8',
      search: {
        key: 'AND',
        keys: [{ key: 'ALL' }, { key: 'FLAG', flag: '\\Seen', set: false }],
      },
    },
  ],
  ['a STATUS x (DELETED-STORAGE)', { name: 'STATUS', mailbox: 'x', items: ['DELETED-STORAGE'] }],
];

describe('IMAP command parser: every command form', () => {
  for (const [line, expected] of table) {
    it(line.replace(/\r\n/g, '⏎'), () => assert.deepEqual(parse(line), expected));
  }
});

describe('SEARCH keys (RFC 9051 §6.4.4)', () => {
  const d = { year: 2024, month: 2, day: 1 };
  const cases: [string, SearchKey][] = [
    ['ALL', { key: 'ALL' }],
    ['ANSWERED', { key: 'FLAG', flag: '\\Answered', set: true }],
    ['DELETED', { key: 'FLAG', flag: '\\Deleted', set: true }],
    ['DRAFT', { key: 'FLAG', flag: '\\Draft', set: true }],
    ['FLAGGED', { key: 'FLAG', flag: '\\Flagged', set: true }],
    ['SEEN', { key: 'FLAG', flag: '\\Seen', set: true }],
    ['RECENT', { key: 'FLAG', flag: '\\Recent', set: true }],
    ['UNANSWERED', { key: 'FLAG', flag: '\\Answered', set: false }],
    ['UNDELETED', { key: 'FLAG', flag: '\\Deleted', set: false }],
    ['UNDRAFT', { key: 'FLAG', flag: '\\Draft', set: false }],
    ['UNFLAGGED', { key: 'FLAG', flag: '\\Flagged', set: false }],
    ['UNSEEN', { key: 'FLAG', flag: '\\Seen', set: false }],
    ['OLD', { key: 'FLAG', flag: '\\Recent', set: false }],
    [
      'NEW',
      {
        key: 'AND',
        keys: [
          { key: 'FLAG', flag: '\\Recent', set: true },
          { key: 'FLAG', flag: '\\Seen', set: false },
        ],
      },
    ],
    ['KEYWORD $Forwarded', { key: 'FLAG', flag: '$Forwarded', set: true }],
    ['UNKEYWORD foo', { key: 'FLAG', flag: 'foo', set: false }],
    ['BCC x', { key: 'HEADER', field: 'bcc', value: 'x' }],
    ['CC "a b"', { key: 'HEADER', field: 'cc', value: 'a b' }],
    ['FROM {3}\r\nbob', { key: 'HEADER', field: 'from', value: 'bob' }],
    ['TO x', { key: 'HEADER', field: 'to', value: 'x' }],
    ['SUBJECT "hi"', { key: 'HEADER', field: 'subject', value: 'hi' }],
    ['HEADER X-Spam yes', { key: 'HEADER', field: 'x-spam', value: 'yes' }],
    ['HEADER Message-ID ""', { key: 'HEADER', field: 'message-id', value: '' }],
    ['BODY word', { key: 'BODY', value: 'word' }],
    ['TEXT "two words"', { key: 'TEXT', value: 'two words' }],
    ['BEFORE 1-Feb-2024', { key: 'DATE', field: 'internal', op: 'before', date: d }],
    ['ON "01-feb-2024"', { key: 'DATE', field: 'internal', op: 'on', date: d }],
    ['SINCE 1-Feb-2024', { key: 'DATE', field: 'internal', op: 'since', date: d }],
    ['SENTBEFORE 1-Feb-2024', { key: 'DATE', field: 'sent', op: 'before', date: d }],
    ['SENTON 1-Feb-2024', { key: 'DATE', field: 'sent', op: 'on', date: d }],
    ['SENTSINCE 1-Feb-2024', { key: 'DATE', field: 'sent', op: 'since', date: d }],
    ['SAVEDSINCE 1-Feb-2024', { key: 'DATE', field: 'saved', op: 'since', date: d }],
    ['LARGER 1000', { key: 'SIZE', op: 'larger', size: 1000 }],
    ['SMALLER 5', { key: 'SIZE', op: 'smaller', size: 5 }],
    ['OLDER 3600', { key: 'AGE', op: 'older', seconds: 3600 }],
    ['YOUNGER 60', { key: 'AGE', op: 'younger', seconds: 60 }],
    ['UID 1:*', { key: 'UID', set: all }],
    ['1:*', { key: 'SEQ', set: all }],
    ['$', { key: 'SEQ', set: { kind: 'saved' } }],
    ['NOT SEEN', { key: 'NOT', inner: { key: 'FLAG', flag: '\\Seen', set: true } }],
    [
      'OR SEEN FLAGGED',
      {
        key: 'OR',
        left: { key: 'FLAG', flag: '\\Seen', set: true },
        right: { key: 'FLAG', flag: '\\Flagged', set: true },
      },
    ],
    [
      '(SEEN (DELETED))',
      {
        key: 'AND',
        keys: [
          { key: 'FLAG', flag: '\\Seen', set: true },
          { key: 'FLAG', flag: '\\Deleted', set: true },
        ],
      },
    ],
    ['MODSEQ 620162338', { key: 'MODSEQ', modseq: 620162338 }],
    [
      'MODSEQ "/flags/\\\\draft" all 620162338',
      { key: 'MODSEQ', modseq: 620162338, entry: { name: '/flags/\\draft', type: 'all' } },
    ],
    ['SAVEDATESUPPORTED', { key: 'SAVEDATESUPPORTED' }],
  ];
  for (const [line, expected] of cases) {
    it(line.replace(/\r\n/g, '⏎'), () => assert.deepEqual(search(line), expected));
  }

  it('CHARSET, RETURN and UID', () => {
    assert.deepEqual(parse('a UID SEARCH RETURN (MIN MAX COUNT ALL SAVE) CHARSET utf-8 SEEN'), {
      name: 'SEARCH',
      uid: true,
      charset: 'UTF-8',
      returnOptions: ['MIN', 'MAX', 'COUNT', 'ALL', 'SAVE'],
      criteria: { key: 'AND', keys: [{ key: 'FLAG', flag: '\\Seen', set: true }] },
    });
    assert.deepEqual(parse('a SEARCH RETURN () ALL'), {
      name: 'SEARCH',
      uid: false,
      returnOptions: [],
      criteria: { key: 'AND', keys: [{ key: 'ALL' }] },
    });
  });

  it('RFC 5267: UPDATE, CONTEXT, PARTIAL (either order), CANCELUPDATE', () => {
    assert.deepEqual(parse('a SEARCH RETURN (update context PARTIAL 9:3 COUNT) ALL'), {
      name: 'SEARCH',
      uid: false,
      returnOptions: ['UPDATE', 'CONTEXT', 'PARTIAL', 'COUNT'],
      partial: { low: 3, high: 9 },
      criteria: { key: 'AND', keys: [{ key: 'ALL' }] },
    });
    assert.deepEqual(parse('a SORT RETURN (PARTIAL 1:5) (DATE) UTF-8 ALL'), {
      name: 'SORT',
      uid: false,
      criteria: [{ key: 'DATE', reverse: false }],
      charset: 'UTF-8',
      search: { key: 'AND', keys: [{ key: 'ALL' }] },
      returnOptions: ['PARTIAL'],
      partial: { low: 1, high: 5 },
    });
    assert.deepEqual(parse('a CANCELUPDATE "t1" {2}\r\nt2'), { name: 'CANCELUPDATE', tags: ['t1', 't2'] });
    for (const bad of [
      'a SEARCH RETURN (PARTIAL) ALL',
      'a SEARCH RETURN (PARTIAL 1) ALL',
      'a SEARCH RETURN (PARTIAL *:1) ALL',
      'a SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL',
      'a SEARCH RETURN (PARTIAL 1:2 ALL) ALL',
      'a CANCELUPDATE',
    ]) {
      assert.equal(parseError(bad).status, 'BAD', bad);
    }
  });

  it('ISO-8859-1 strings are decoded by charset; unknown charsets are NO [BADCHARSET]', () => {
    assert.deepEqual(search('CHARSET ISO-8859-1 SUBJECT {1}\r\n\u00e9'), {
      key: 'HEADER',
      field: 'subject',
      value: 'é',
    });
    const err = parseError('a SEARCH CHARSET KOI8-R TEXT x');
    assert.equal(err.code, 'BADCHARSET');
    assert.equal(err.status, 'NO');
    assert.equal(err.tag, 'a');
  });

  it('UTF-8 search strings', () => {
    assert.deepEqual(search('CHARSET UTF-8 TEXT "gr\u00c3\u00bc\u00c3\u009f"'), {
      key: 'TEXT',
      value: 'grüß',
    });
  });
});

describe('syntax errors are BAD with the tag', () => {
  const bad = [
    'a COMPRESS',
    'a COMPRESS DEFLATE extra',
    'a FOO',
    'a UID NOOP',
    'a LOGIN bob',
    'a SELECT',
    'a SELECT INBOX (UNKNOWN)',
    'a FETCH 0 FLAGS',
    'a FETCH 1 (FLAGS',
    'a FETCH 1 BODY[1.0]',
    'a FETCH 1 BODY[MIME]',
    'a FETCH 1 BODY[HEADER.FIELDS ()]',
    'a FETCH 1 BODY[]<1>',
    'a FETCH 1 NOSUCH',
    'a FETCH 1 (FLAGS) (VANISHED)',
    'a FETCH 1:x FLAGS',
    'a STORE 1 FLAGS.LOUD (\\Seen)',
    'a STORE 1 +FLAGS (\\Seen',
    'a SEARCH',
    'a SEARCH NOSUCHKEY',
    'a SEARCH BEFORE 31-Feb-2024',
    'a SEARCH OR SEEN',
    'a SEARCH (SEEN',
    'a SEARCH NOT',
    'a STATUS INBOX ()',
    'a STATUS INBOX (BOGUS)',
    'a LIST (BOGUS) "" *',
    'a LIST (RECURSIVEMATCH) "" *',
    'a LIST (RECURSIVEMATCH REMOTE) "" *',
    'a LIST (REMOTE RECURSIVEMATCH) "" *',
    'a LIST "" * RETURN (BOGUS)',
    'a APPEND INBOX',
    'a APPEND INBOX (\\Seen) "bad date" {3+}',
    'a CREATE',
    'a RENAME a',
    'a NOOP extra',
    'a LOGIN "unterminated',
    'a LOGIN "bad\\escape" x',
    'a ENABLE',
    'a ID ("a")',
    'a GETQUOTA',
    'a GETQUOTAROOT',
    'a SETQUOTA "" (STORAGE)',
    'a SETQUOTA "" STORAGE 1',
    'a SETQUOTA "" (STORAGE -1)',
    'a SORT (DATE)',
    'a SORT () UTF-8 ALL',
    'a SORT (REVERSE) UTF-8 ALL',
    'a SORT (FOO) UTF-8 ALL',
    'a THREAD ORDEREDSUBJECT UTF-8',
    'a THREAD X UTF-8 ALL',
    'a NOTIFY',
    'a NOTIFY SET',
    'a NOTIFY SET STATUS',
    'a NOTIFY SET (selected)',
    'a NOTIFY SET (selected ())',
    'a NOTIFY SET (everywhere (MessageNew))',
    'a NOTIFY SET (subtree (MessageNew))',
    'a NOTIFY SET (mailboxes () (MessageNew))',
    'a NOTIFY SET (selected (MessageNew (BOGUS)))',
    'a NOTIFY SET (selected (MessageNew)) extra',
    'a NOTIFY MAYBE',
  ];
  for (const line of bad) {
    it(line, () => {
      const err = parseError(line);
      assert.equal(err.tag, 'a');
      assert.equal(err.status, 'BAD');
    });
  }

  it('untagged garbage gets no tag', () => {
    const err = parseError('+ hello');
    assert.equal(err.tag, undefined);
    const err2 = parseError('');
    assert.equal(err2.tag, undefined);
  });

  it('mailbox names with NUL or invalid UTF-8 are rejected', () => {
    assert.equal(parseError('a SELECT {3}\r\na\u0000b').tag, 'a');
    assert.equal(parseError('a SELECT "\u00ff\u00fe"').tag, 'a');
    assert.equal(parseError('a CREATE {2}\r\n\u00c3(').tag, 'a');
  });
});
