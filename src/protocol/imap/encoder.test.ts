import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { prng } from '../../lib/prng.js';
import type { Command } from './command.js';
import {
  encodeAstring,
  encodeContinuation,
  encodeFlags,
  encodeMailboxName,
  encodeNString,
  encodeResponseCode,
  encodeString,
  encodeTagged,
  encodeUntagged,
  encodeUntaggedResponse,
  encodeUntaggedStatus,
} from './encoder.js';
import { fetchResponseName, fetchResponseStart, literalHeader, sectionToString } from './fetch-response.js';
import { decodeMailboxName, MailboxNameError, normaliseInbox, validateMailboxName } from './mailbox-name.js';
import { ImapReceiver } from './receiver.js';
import { bad, no, ok, type ThreadNode } from './response.js';
import { forestOf } from './thread-forest.js';

const utf8 = { utf8: true };

describe('encoder: strings', () => {
  it('quoted for safe text, escapes quote and backslash, literal otherwise', () => {
    assert.equal(encodeString('hello world'), '"hello world"');
    assert.equal(encodeString('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
    assert.equal(encodeString('two\r\nlines'), '{10}\r\ntwo\r\nlines');
    assert.equal(encodeString('nul\u0000'), '{4}\r\nnul\u0000');
    assert.equal(encodeString('x'.repeat(2000)).slice(0, 8), '{2000}\r\n');
  });

  it('8-bit: literal for rev1, quoted UTF-8 when the session accepts it', () => {
    assert.equal(encodeString('café'), '{5}\r\ncafé');
    assert.equal(encodeString('café', utf8), '"café"');
  });

  it('NIL, astring and flags', () => {
    assert.equal(encodeNString(null), 'NIL');
    assert.equal(encodeNString('NIL'), '"NIL"');
    assert.equal(encodeAstring('INBOX'), 'INBOX');
    assert.equal(encodeAstring('nil'), '"nil"');
    assert.equal(encodeAstring('a b'), '"a b"');
    assert.equal(encodeAstring(''), '""');
    assert.equal(encodeFlags(['\\Seen', '$Forwarded', '\\*', 'bad flag', '']), '(\\Seen $Forwarded \\*)');
  });

  it('mailbox names: modified UTF-7 for rev1, UTF-8 for rev2', () => {
    assert.equal(encodeMailboxName('Entwürfe'), '"Entw&APw-rfe"');
    assert.equal(encodeMailboxName('Entwürfe', utf8), '"Entwürfe"');
    assert.equal(encodeMailboxName('A&B'), '"A&-B"');
    assert.equal(encodeMailboxName('A&B', utf8), '"A&B"');
  });
});

describe('encoder: status responses and codes', () => {
  it('tagged with codes', () => {
    assert.equal(
      encodeTagged(ok('a1', 'APPEND completed', { code: 'APPENDUID', uidValidity: 38505, uids: '3955' })),
      'a1 OK [APPENDUID 38505 3955] APPEND completed\r\n',
    );
    assert.equal(
      encodeTagged(ok('a2', 'Done', { code: 'COPYUID', uidValidity: 1, source: '3:5,7', dest: '10:13' })),
      'a2 OK [COPYUID 1 3:5,7 10:13] Done\r\n',
    );
    assert.equal(
      encodeTagged(no('a3', 'No such mailbox', { code: 'TRYCREATE' })),
      'a3 NO [TRYCREATE] No such mailbox\r\n',
    );
    assert.equal(encodeTagged(bad('a4', 'line1\r\nline2')), 'a4 BAD line1 line2\r\n');
    assert.equal(encodeTagged(no('a5', '[fake] code')), 'a5 NO (fake] code\r\n');
  });

  it('every response code shape', () => {
    assert.equal(
      encodeResponseCode({ code: 'PERMANENTFLAGS', flags: ['\\Seen', '\\*'] }),
      '[PERMANENTFLAGS (\\Seen \\*)]',
    );
    assert.equal(encodeResponseCode({ code: 'UIDNEXT', uid: 5 }), '[UIDNEXT 5]');
    assert.equal(encodeResponseCode({ code: 'UIDVALIDITY', uidValidity: 9 }), '[UIDVALIDITY 9]');
    assert.equal(encodeResponseCode({ code: 'UNSEEN', seq: 3 }), '[UNSEEN 3]');
    assert.equal(encodeResponseCode({ code: 'HIGHESTMODSEQ', modseq: 77 }), '[HIGHESTMODSEQ 77]');
    assert.equal(encodeResponseCode({ code: 'MODIFIED', set: '7,9' }), '[MODIFIED 7,9]');
    assert.equal(
      encodeResponseCode({ code: 'CAPABILITY', capabilities: ['IMAP4rev2', 'IDLE'] }),
      '[CAPABILITY IMAP4rev2 IDLE]',
    );
    assert.equal(encodeResponseCode({ code: 'BADCHARSET', charsets: ['UTF-8'] }), '[BADCHARSET (UTF-8)]');
    assert.equal(encodeResponseCode({ code: 'READ-WRITE' }), '[READ-WRITE]');
    assert.equal(encodeResponseCode({ code: 'OVERQUOTA' }), '[OVERQUOTA]');
  });

  it('untagged status and continuation', () => {
    assert.equal(encodeUntaggedStatus({ status: 'BYE', text: 'Autologout' }), '* BYE Autologout\r\n');
    assert.equal(
      encodeUntaggedStatus({ status: 'OK', code: { code: 'CLOSED' }, text: 'Previous mailbox closed' }),
      '* OK [CLOSED] Previous mailbox closed\r\n',
    );
    assert.equal(encodeContinuation(), '+ Ready\r\n');
    assert.equal(encodeContinuation(''), '+ \r\n');
  });
});

describe('encoder: untagged data', () => {
  it('simple data', () => {
    assert.equal(encodeUntagged({ type: 'EXISTS', count: 5 }), '* 5 EXISTS\r\n');
    assert.equal(encodeUntagged({ type: 'RECENT', count: 0 }), '* 0 RECENT\r\n');
    assert.equal(encodeUntagged({ type: 'EXPUNGE', seq: 3 }), '* 3 EXPUNGE\r\n');
    assert.equal(
      encodeUntagged({ type: 'VANISHED', earlier: true, uids: '1:3' }),
      '* VANISHED (EARLIER) 1:3\r\n',
    );
    assert.equal(encodeUntagged({ type: 'FLAGS', flags: ['\\Seen'] }), '* FLAGS (\\Seen)\r\n');
    assert.equal(
      encodeUntagged({ type: 'CAPABILITY', capabilities: ['IMAP4rev1', 'IMAP4rev2'] }),
      '* CAPABILITY IMAP4rev1 IMAP4rev2\r\n',
    );
    assert.equal(encodeUntagged({ type: 'ENABLED', capabilities: [] }), '* ENABLED\r\n');
  });

  it('LIST with extended data and UTF-7', () => {
    assert.equal(
      encodeUntagged({
        type: 'LIST',
        attributes: ['\\HasNoChildren', '\\Drafts'],
        delimiter: '/',
        mailbox: 'Entwürfe',
      }),
      '* LIST (\\HasNoChildren \\Drafts) "/" "Entw&APw-rfe"\r\n',
    );
    assert.equal(
      encodeUntagged(
        {
          type: 'LIST',
          attributes: [],
          delimiter: '/',
          mailbox: 'Foo',
          childInfo: ['SUBSCRIBED'],
          oldName: 'Bär',
        },
        utf8,
      ),
      '* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED") "OLDNAME" ("Bär"))\r\n',
    );
    assert.equal(
      encodeUntagged({ type: 'LSUB', attributes: ['\\Noselect'], delimiter: null, mailbox: 'x' }),
      '* LSUB (\\Noselect) NIL "x"\r\n',
    );
  });

  it('STATUS, SEARCH, ESEARCH, NAMESPACE, ID', () => {
    assert.equal(
      encodeUntagged({
        type: 'STATUS',
        mailbox: 'INBOX',
        items: [
          ['MESSAGES', 3],
          ['UIDNEXT', 10],
        ],
      }),
      '* STATUS "INBOX" (MESSAGES 3 UIDNEXT 10)\r\n',
    );
    assert.equal(encodeUntagged({ type: 'SEARCH', numbers: [] }), '* SEARCH\r\n');
    assert.equal(
      encodeUntagged({ type: 'SEARCH', numbers: [2, 5], modseq: 9 }),
      '* SEARCH 2 5 (MODSEQ 9)\r\n',
    );
    assert.equal(
      encodeUntagged({ type: 'ESEARCH', tag: 'a1', uid: true, min: 1, max: 9, all: '1:3,9', count: 4 }),
      '* ESEARCH (TAG "a1") UID MIN 1 MAX 9 ALL 1:3,9 COUNT 4\r\n',
    );
    assert.equal(
      encodeUntagged({ type: 'ESEARCH', tag: 'a2', uid: false, count: 0 }),
      '* ESEARCH (TAG "a2") COUNT 0\r\n',
    );
    assert.equal(
      encodeUntagged({
        type: 'NAMESPACE',
        personal: [{ prefix: '', delimiter: '/' }],
        otherUsers: null,
        shared: null,
      }),
      '* NAMESPACE (("" "/")) NIL NIL\r\n',
    );
    assert.equal(
      encodeUntagged({
        type: 'ID',
        params: [
          ['name', 'Postyard'],
          ['os', null],
        ],
      }),
      '* ID ("name" "Postyard" "os" NIL)\r\n',
    );
    assert.equal(encodeUntagged({ type: 'ID', params: null }), '* ID NIL\r\n');
  });
});

describe('FETCH framing', () => {
  it('frames a response around a literal, and flag-sized items as data', () => {
    assert.equal(fetchResponseStart(5), '* 5 FETCH (');
    assert.equal(literalHeader(12345), '{12345}\r\n');
    assert.equal(literalHeader(3, true), '~{3}\r\n');
    assert.equal(
      encodeUntagged({
        type: 'FETCH',
        seq: 4,
        items: [
          { item: 'UID', uid: 9 },
          { item: 'FLAGS', flags: ['\\Seen', '$Label1', 'not an atom'] },
          { item: 'MODSEQ', modseq: 12 },
        ],
      }),
      '* 4 FETCH (UID 9 FLAGS (\\Seen $Label1) MODSEQ (12))\r\n',
    );
    assert.equal(
      encodeUntaggedResponse({ status: 'OK', code: { code: 'HIGHESTMODSEQ', modseq: 7 }, text: 'Highest' }),
      '* OK [HIGHESTMODSEQ 7] Highest\r\n',
    );
  });

  it('response item names echo the section and only the partial origin', () => {
    assert.equal(
      fetchResponseName({
        item: 'BODY[]',
        peek: true,
        section: { part: [1, 2], kind: 'HEADER.FIELDS', fields: ['FROM', 'TO'] },
        partial: { offset: 10, length: 5 },
      }),
      'BODY[1.2.HEADER.FIELDS (FROM TO)]<10>',
    );
    assert.equal(
      fetchResponseName({ item: 'BODY[]', peek: false, section: { part: [], kind: '' } }),
      'BODY[]',
    );
    assert.equal(fetchResponseName({ item: 'BINARY[]', peek: true, part: [3] }), 'BINARY[3]');
    assert.equal(fetchResponseName({ item: 'BINARY.SIZE', part: [] }), 'BINARY.SIZE[]');
    assert.equal(fetchResponseName({ item: 'RFC822.HEADER' }), 'RFC822.HEADER');
    assert.equal(sectionToString({ part: [2], kind: 'MIME' }), '2.MIME');
    assert.equal(sectionToString({ part: [], kind: 'TEXT' }), 'TEXT');
  });
});

describe('mailbox names', () => {
  it('decodes rev1 modified UTF-7 strictly; UTF-8 sessions take names as they are', () => {
    assert.equal(decodeMailboxName('Entw&APw-rfe', { utf8: false }), 'Entwürfe');
    assert.equal(decodeMailboxName('A&B', { utf8: true }), 'A&B');
    assert.throws(() => decodeMailboxName('A&B', { utf8: false }), MailboxNameError);
    assert.throws(() => decodeMailboxName('café', { utf8: false }), MailboxNameError);
    assert.equal(decodeMailboxName('inbox', { utf8: false }), 'INBOX');
    assert.equal(decodeMailboxName('Inbox/Sub', { utf8: true }), 'INBOX/Sub');
    assert.equal(normaliseInbox('Inboxes'), 'Inboxes');
  });

  for (const bad of [
    '',
    'a//b',
    '/a',
    'a/',
    '../etc',
    'a/./b',
    'a\u0000b',
    'a\nb',
    'x*',
    'a%b',
    `${'a/'.repeat(40)}a`,
    'x'.repeat(1001),
  ]) {
    it(`validate rejects ${JSON.stringify(bad.slice(0, 20))}`, () =>
      assert.throws(() => validateMailboxName(bad), MailboxNameError));
  }
  it('validate accepts ordinary names', () => {
    for (const good of ['INBOX', 'Archive/2024', 'Entwürfe', 'a.b', '..a', '日本語/台北'])
      assert.equal(validateMailboxName(good), good);
  });
});

/** Parses `a LOGIN x <encoded>` through the receiver and returns the password. */
function roundTrip(encoded: string): string {
  const r = new ImapReceiver({ literalPlus: true });
  // Responses use synchronising literals; as a client-side command we may send them as they are.
  r.push(Buffer.from(`a LOGIN x ${encoded}\r\n`, 'utf8'));
  for (let ev = r.next(); ev; ev = r.next()) {
    if (ev.type === 'command') return (ev.command as Extract<Command, { name: 'LOGIN' }>).password;
    if (ev.type === 'error') throw new Error(ev.text);
  }
  throw new Error('no command');
}

/** Text with controls, quotes, backslashes, Latin-1 and CJK (fast-check's `binary` unit is slow to generate). */
const text = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0x80, max: 0x3000 })), {
    maxLength: 60,
  })
  .map((codes) => String.fromCharCode(...codes));

describe('encoder ↔ parser round trips (fast-check)', () => {
  it('encodeString output parses back to the same string (rev1 and UTF-8 sessions)', () => {
    fc.assert(
      fc.property(text, fc.boolean(), (s, u) => {
        const wellFormed = Buffer.from(s, 'utf8').toString('utf8');
        assert.equal(roundTrip(encodeString(wellFormed, { utf8: u })), wellFormed);
      }),
      { numRuns: 300 },
    );
  });

  it('encodeAstring output parses back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (s) => {
        assert.equal(roundTrip(encodeAstring(s)), s);
      }),
      { numRuns: 300 },
    );
  });

  it('mailbox names: encode for rev1 → parse → decode gives the name back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), (name) => {
        fc.pre(![...name].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f));
        const r = new ImapReceiver();
        r.push(Buffer.from(`a SELECT ${encodeMailboxName(name)}\r\n`, 'utf8'));
        let ev = r.next();
        while (ev?.type === 'continue') ev = r.next();
        assert.equal(ev?.type, 'command');
        const wire = (ev as { command: { mailbox: string } }).command.mailbox;
        assert.equal(decodeMailboxName(wire, { utf8: false }), normaliseInbox(name));
      }),
      { numRuns: 300 },
    );
  });
});

describe('encoder: SORT, THREAD, QUOTA (RFC 5256, RFC 9208)', () => {
  const leaf = (id: number) => ({ id, children: [] });
  it('writes threads as RFC 5256 §4 shows them', () => {
    // (3 6 (4 23)(44 7 96)): 3 -> 6 -> {4 -> 23, 44 -> 7 -> 96}
    const tree = {
      id: 3,
      children: [
        {
          id: 6,
          children: [
            { id: 4, children: [leaf(23)] },
            { id: 44, children: [{ id: 7, children: [leaf(96)] }] },
          ],
        },
      ],
    };
    assert.equal(
      encodeUntagged({ type: 'THREAD', threads: forestOf([leaf(2), tree]) }),
      '* THREAD (2)(3 6 (4 23)(44 7 96))\r\n',
    );
    assert.equal(
      encodeUntagged({ type: 'THREAD', threads: forestOf([{ id: null, children: [leaf(3), leaf(5)] }]) }),
      '* THREAD ((3)(5))\r\n',
    );
    assert.equal(encodeUntagged({ type: 'THREAD', threads: forestOf([]) }), '* THREAD\r\n');
  });
  it('writes any forest as the node-by-node encoding does', () => {
    // The string-building encoder the byte writer replaced, kept as the oracle.
    const oracle = (root: ThreadNode): string => {
      let out = '(';
      let node = root;
      let first = true;
      for (;;) {
        if (node.id !== null) {
          out += first ? `${node.id}` : ` ${node.id}`;
          first = false;
        }
        if (node.children.length === 1) {
          node = node.children[0]!;
          continue;
        }
        if (node.children.length > 1) {
          if (!first) out += ' ';
          for (const child of node.children) out += oracle(child);
        }
        return `${out})`;
      }
    };
    for (let seed = 1; seed <= 500; seed++) {
      const random = prng(seed);
      const tree = (depth: number): ThreadNode => {
        const r = random();
        const big = 0xffffffff - Math.floor(random() * 10);
        const id = r < 0.2 ? null : r < 0.3 ? big : 1 + Math.floor(random() * 2000);
        const count = depth > 4 ? 0 : Math.floor(random() * 4);
        return { id, children: Array.from({ length: count }, () => tree(depth + 1)) };
      };
      const trees = Array.from({ length: Math.floor(random() * 6) }, () => tree(0));
      const expected = `* THREAD${trees.length > 0 ? ' ' : ''}${trees.map(oracle).join('')}\r\n`;
      assert.equal(encodeUntagged({ type: 'THREAD', threads: forestOf(trees) }), expected, `seed ${seed}`);
    }
  });
  it('writes long SEARCH and SORT lists as joined number strings', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = prng(seed);
      const numbers = Array.from({ length: Math.floor(random() * 300) }, () =>
        random() < 0.1
          ? 2 ** 32 - 1 - Math.floor(random() * 5)
          : Math.floor(random() * 10 ** (1 + (seed % 8))),
      );
      const list = numbers.map((n) => ` ${n}`).join('');
      assert.equal(encodeUntagged({ type: 'SORT', numbers }), `* SORT${list}\r\n`);
      assert.equal(encodeUntagged({ type: 'SEARCH', numbers, modseq: 7 }), `* SEARCH${list} (MODSEQ 7)\r\n`);
    }
  });
  it('writes SORT, QUOTA and QUOTAROOT', () => {
    assert.equal(
      encodeUntagged({ type: 'SORT', numbers: [3, 1, 2], modseq: 9 }),
      '* SORT 3 1 2 (MODSEQ 9)\r\n',
    );
    assert.equal(encodeUntagged({ type: 'SORT', numbers: [] }), '* SORT\r\n');
    assert.equal(
      encodeUntagged({ type: 'QUOTA', root: '', resources: [{ name: 'STORAGE', usage: 1, limit: 512 }] }),
      '* QUOTA "" (STORAGE 1 512)\r\n',
    );
    assert.equal(
      encodeUntagged({ type: 'QUOTAROOT', mailbox: 'Entwürfe', roots: [''] }),
      '* QUOTAROOT "Entw&APw-rfe" ""\r\n',
    );
  });
});
