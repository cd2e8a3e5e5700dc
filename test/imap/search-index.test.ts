/**
 * Indexed SEARCH equals brute force (issue 10): a 20,000-message mailbox of varied MIME (encoded words,
 * quoted-printable soft breaks inside words, base64, Latin-1, HTML, attachments, obsolete addresses),
 * random queries (short needles, non-ASCII, text spanning encoded words and soft breaks, mixed with
 * flags, NOT and OR) sent as UID SEARCH to a server whose store narrows by its full-text index, and the
 * same parsed criteria evaluated over every message without it. POSTYARD_FTS_MESSAGES changes the size.
 * Likewise SORT and THREAD, answered from the keys the store keeps (Store.getSortRows), against the keys
 * computed from every message's header text (reply/forward subjects, References chains, missing and
 * duplicate Message-IDs, missing dates).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { analyzeMessage } from '../../src/mime/index.js';
import { normalizedAddresses } from '../../src/mime/search-text.js';
import type { SearchKey } from '../../src/protocol/imap/command.js';
import { encodeUntagged } from '../../src/protocol/imap/encoder.js';
import { prng, replay } from '../../src/protocol/imap/test-support.js';
import { forestOf } from '../../src/protocol/imap/thread-forest.js';
import { matches } from '../../src/server/imap/search/evaluate.js';
import { comparatorOf, sortKeysOf } from '../../src/server/imap/sort/sort-keys.js';
import { orderedSubject, references } from '../../src/server/imap/sort/thread.js';
import type { MessageWithMeta, Store } from '../../src/store/store.js';
import { connect, type LineClient } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const COUNT = Number(process.env.POSTYARD_FTS_MESSAGES ?? 20_000);
const QUERIES = 80;
const random = prng(Number(process.env.POSTYARD_FTS_SEED ?? 20_261_203));

const SPECIAL = [
  'quarterly',
  'report',
  'meeting',
  'invoice',
  'Postyard',
  'release',
  'budget',
  'naïve',
  'Grüße',
  'Straße',
  'façade',
  'ΟΔΟΣ',
  'Σίσυφος',
  'İstanbul',
  'Ελλάς',
  '日本語',
  'テスト',
  'emoji🎉party',
  'résumé',
  'über',
  'x',
  'ab',
  'deadline',
  'ack',
];
const NAMES = ['Ann Lee', 'Bob Öster', 'Çelik Ayşe', 'Zoë', 'Dave "the boss"', 'Ελένη'];
const DOMAINS = ['example.org', 'example.net', 'mail.test'];

const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const chance = (p: number) => random() < p;
// Made-up words, so that most needles are rare (as in real mail) and the index has work to do.
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sta', 'ver', 'qui', 'zo', 'bel', 'tor', 'ash', 'ün', 'ço'];
const COMMON = Array.from({ length: 3000 }, () =>
  Array.from({ length: 2 + Math.floor(random() * 3) }, () => pick(SYLLABLES)).join(''),
);
const WORDS = [...SPECIAL, ...COMMON];
const word = () => (chance(0.1) ? pick(SPECIAL) : pick(COMMON));
const sentence = (n: number) => Array.from({ length: n }, word).join(' ');

function qpBytes(bytes: Buffer, lineMax: number): string {
  let out = '';
  let line = 0;
  for (const byte of bytes) {
    const printable = byte >= 33 && byte <= 126 && byte !== 61;
    const token =
      printable || byte === 32
        ? String.fromCharCode(byte)
        : `=${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    // Soft line breaks anywhere, also inside a word (RFC 2045 §6.7 rule 5).
    if (line + token.length > lineMax) {
      out += '=\r\n';
      line = 0;
    }
    out += token;
    line += token.length;
  }
  return out;
}

/** An RFC 2047 header value: plain, or encoded words that may split a word in two (they join up). */
function headerValue(text: string): string {
  if (chance(0.4)) return text;
  const chars = [...text];
  const cut = 1 + Math.floor(random() * Math.max(1, chars.length - 1));
  const parts = chance(0.5) ? [chars.slice(0, cut).join(''), chars.slice(cut).join('')] : [text];
  return parts
    .filter((p) => p !== '')
    .map((p) => {
      const bytes = Buffer.from(p, 'utf8');
      if (chance(0.5)) return `=?UTF-8?B?${bytes.toString('base64')}?=`;
      const q = [...bytes]
        .map((b) =>
          b === 32
            ? '_'
            : /[A-Za-z0-9]/.test(String.fromCharCode(b))
              ? String.fromCharCode(b)
              : `=${b.toString(16).toUpperCase().padStart(2, '0')}`,
        )
        .join('');
      return `=?utf-8?q?${q}?=`;
    })
    .join(' ');
}

function address(): string {
  const name = pick(NAMES);
  const local = `${pick(['ann', 'bob', 'celik', 'zoe', 'dave'])}${Math.floor(random() * 50)}`;
  const domain = pick(DOMAINS);
  if (chance(0.15)) return `<${local} (comment)@ (more) ${domain}>`;
  return chance(0.5) ? `${headerValue(name)} <${local}@${domain}>` : `${local}@${domain}`;
}

function textPart(text: string, subtype: 'plain' | 'html'): string {
  const body =
    subtype === 'html' ? `<html><body><p>${text.replace(/ /g, ' <b>x</b> ')}</p></body></html>` : text;
  const latin1 = chance(0.3) && [...body].every((c) => c.charCodeAt(0) < 256);
  const bytes = Buffer.from(body, latin1 ? 'latin1' : 'utf8');
  const charset = latin1 ? 'iso-8859-1' : 'utf-8';
  const encoding = pick(['qp', 'qp', 'base64', '8bit']);
  const head = `Content-Type: text/${subtype}; charset=${charset}\r\n`;
  if (encoding === 'qp') {
    return `${head}Content-Transfer-Encoding: quoted-printable\r\n\r\n${qpBytes(bytes, 8 + Math.floor(random() * 30))}\r\n`;
  }
  if (encoding === 'base64') {
    const b64 = bytes.toString('base64').replace(/.{1,76}/g, '$&\r\n');
    return `${head}Content-Transfer-Encoding: base64\r\n\r\n${b64}`;
  }
  return `${head}Content-Transfer-Encoding: 8bit\r\n\r\n${bytes.toString('latin1')}\r\n`;
}

/** Threading fields: a Message-ID (sometimes missing or another's), References/In-Reply-To to earlier ones. */
function threadFields(n: number): string {
  const id = (k: number) => `<m${k}@postyard.test>`;
  const earlier = () => id(1 + Math.floor(random() * Math.max(1, n - 1)));
  let out = chance(0.03) ? '' : `Message-ID: ${chance(0.02) ? earlier() : id(n)}\r\n`;
  if (n > 1 && chance(0.5)) {
    const chain = Array.from({ length: 1 + Math.floor(random() * 4) }, earlier);
    if (chance(0.7)) out += `References: ${chain.join(chance(0.5) ? ' ' : '\r\n ')}\r\n`;
    if (chance(0.5)) out += `In-Reply-To: ${chain.at(-1)}\r\n`;
  }
  return out;
}

/** A Date field over a year, in several zones; sometimes none (SORT then takes INTERNALDATE). */
function dateField(): string {
  if (chance(0.05)) return '';
  const when = new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * 86_400_000));
  const zone = pick(['+0000', '-0500', '+0930']);
  return `Date: ${when.toUTCString().replace(/ GMT$/, '')} ${zone}\r\n`;
}

/** One message as bytes (latin1 string of the raw octets). */
function message(n: number): Buffer {
  const prefix = chance(0.3) ? pick(['Re: ', 'RE: Re: ', 'Fwd: ', '[list] Re: ', 'Fw: ']) : '';
  const subject = chance(0.2)
    ? pick(['status', 'Status', 'ölçü'])
    : `${sentence(1 + Math.floor(random() * 4))} #${n}`;
  const head =
    `From: ${address()}\r\nTo: ${address()}${chance(0.3) ? `, ${address()}` : ''}\r\n` +
    (chance(0.2) ? `Cc: ${address()}\r\n` : '') +
    `Subject: ${prefix}${headerValue(subject)}${chance(0.1) ? ' (fwd)' : ''}\r\n` +
    `${dateField()}${threadFields(n)}MIME-Version: 1.0\r\n`;
  const text = sentence(3 + Math.floor(random() * 12));
  const kind = random();
  let body: string;
  if (kind < 0.6) body = textPart(text, 'plain');
  else if (kind < 0.8) {
    body =
      'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n' +
      `--b1\r\n${textPart(text, 'plain')}--b1\r\n${textPart(sentence(5), 'html')}--b1--\r\n`;
  } else {
    // The attachment's words are not body text: BODY must not find them (nor may the index).
    const attachment = Buffer.from(`secret ${sentence(4)}`).toString('base64');
    body =
      'Content-Type: multipart/mixed; boundary="b2"\r\n\r\n' +
      `--b2\r\n${textPart(text, 'plain')}--b2\r\nContent-Type: application/octet-stream\r\n` +
      `Content-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b2--\r\n`;
  }
  return Buffer.from(head + body, 'latin1');
}

let srv: TestServer;
let client: LineClient;
let tagN = 0;
let inbox: number;
let all: MessageWithMeta[] = [];
let accountId: number;

async function load(store: Store, accountId: number): Promise<void> {
  inbox = (await store.getMailbox(accountId, 'INBOX'))!.id;
  const BATCH = 500;
  for (let i = 0; i < COUNT; i += BATCH) {
    const raws = Array.from({ length: Math.min(BATCH, COUNT - i) }, (_, k) => message(i + k + 1));
    const blobs = await Promise.all(raws.map((raw) => store.blobs.put(raw)));
    await store.appendMany(
      raws.map((raw, k) => ({
        accountId,
        mailboxId: inbox,
        blob: blobs[k]!,
        meta: analyzeMessage(raw),
        internalDate: new Date(Date.UTC(2026, 0, 1) + Math.floor(random() * 365 * 86_400_000)),
        flags: [
          ...(chance(0.4) ? ['\\Seen'] : []),
          ...(chance(0.1) ? ['\\Flagged'] : []),
          ...(chance(0.1) ? ['$Important'] : []),
        ],
      })),
    );
  }
  // Gaps in the UIDs, so sequence numbers and UIDs differ.
  const gone = Array.from({ length: Math.ceil(COUNT / 50) }, (_, k) => 1 + k * 50);
  await store.expunge(inbox, { uids: gone, force: true });
  const { uids } = await store.getIndex(inbox);
  all = await store.getMessagesWithMeta(inbox, Array.from(uids), { searchText: true });
}

before(async () => {
  // tmpfs keeps 20,000 blob fsyncs cheap where the machine has it.
  srv = await startTestServer(undefined, existsSync('/dev/shm') ? { tempParent: '/dev/shm' } : {});
  const account = await srv.addUser('fts@example.com', 'secret');
  accountId = account.id;
  await load(srv.ctx.store, account.id);
  client = await connect(srv.ports.imap!, { timeoutMs: 60_000 });
  await client.readLine();
  await run('LOGIN fts@example.com secret');
  await run('SELECT INBOX');
});

after(async () => {
  client?.socket.destroy();
  await srv?.close();
});

async function run(command: string): Promise<string[]> {
  const tag = `t${++tagN}`;
  client.send(`${tag} ${command}`);
  const lines = await client.readUntil(new RegExp(`^${tag} `));
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`), `${command}\n${lines.join('\n')}`);
  return lines;
}

/** A needle: a piece of some message's decoded text (so it hits), in random case, or a vocabulary word. */
/** The message most needles of the current query come from, so that AND-ed keys can all hit. */
let target: MessageWithMeta;

function needle(key: string, short: boolean): string {
  if (chance(0.2)) return pick(WORDS);
  const m = (chance(0.7) ? target : pick(all)).meta;
  const source = [...sourceText(key, m.headerText, m.bodyText)];
  const length = short && chance(0.15) ? 1 + Math.floor(random() * 2) : 3 + Math.floor(random() * 12);
  const start = Math.floor(random() * Math.max(1, source.length - length));
  const piece = source
    .slice(start, start + length)
    .join('')
    .replace(/[\r\n\0]/g, ' ');
  const cased = [...piece].map((c) => (chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  return cased === '' ? 'report' : cased;
}

/** The text a key looks at: the body, the header, or one field's value (or its addresses, normalized). */
function sourceText(key: string, headerText: string, bodyText: string): string {
  if (key === 'BODY') return bodyText;
  if (key === 'TEXT') return chance(0.5) ? bodyText : headerText;
  const field = key.replace(/^HEADER /, '').toLowerCase();
  const line = headerText.split('\n').find((l) => l.toLowerCase().startsWith(`${field}:`));
  if (!line) return headerText;
  const value = line.slice(field.length + 1);
  return field !== 'subject' && chance(0.4) ? normalizedAddresses(value) : value;
}

/** An IMAP string: quoted when plain ASCII, else a non-synchronising literal (LITERAL+). */
function astring(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && !/["\\]/.test(value)) return `"${value}"`;
  return `{${Buffer.byteLength(value)}+}\r\n${value}`;
}

/** A string key; the first of a query never has a short needle, so most queries can be narrowed. */
function textKey(short = true): string {
  const key = pick(['TEXT', 'BODY', 'SUBJECT', 'FROM', 'TO', 'HEADER Subject', 'CC']);
  return `${key} ${astring(needle(key, short))}`;
}

function otherKey(): string {
  return pick(['SEEN', 'UNSEEN', 'FLAGGED', 'KEYWORD $Important', 'LARGER 700', 'ALL', 'UID 1000:*']);
}

function criteria(depth = 0): string {
  const r = random();
  if (depth > 1 || r < 0.45) return chance(0.6) ? textKey() : otherKey();
  if (r < 0.6) return `NOT ${criteria(depth + 1)}`;
  if (r < 0.75) return `OR ${criteria(depth + 1)} ${criteria(depth + 1)}`;
  return `(${criteria(depth + 1)} ${criteria(depth + 1)})`;
}

function query(): string {
  target = pick(all);
  // A quarter of the queries are TEXT/BODY strings only: the index may then answer without a check.
  if (chance(0.25)) {
    const strings = () => `${pick(['TEXT', 'BODY'])} ${astring(needle('TEXT', false))}`;
    return chance(0.5) ? strings() : `${strings()} ${strings()}`;
  }
  const parts = [textKey(chance(0.05))];
  for (let n = Math.floor(random() * 3); n > 0; n--) parts.push(criteria());
  return parts.join(' ');
}

function bruteForce(criteria: SearchKey): number[] {
  const scope = {
    exists: all.length,
    lastUid: all.at(-1)!.uid,
    isRecent: () => false,
    saved: new Set<number>(),
    now: Date.now(),
  };
  return all
    .filter((record, i) => matches(criteria, { record, meta: record.meta, seq: i + 1 }, scope))
    .map((r) => r.uid);
}

test(`indexed UID SEARCH equals brute force over ${COUNT} messages, random queries`, async () => {
  let narrowed = 0;
  let hits = 0;
  let proven = 0;
  for (let q = 0; q < QUERIES; q++) {
    const text = `UID SEARCH CHARSET UTF-8 ${query()}`;
    const parsed = replay(Buffer.from(`x ${text}\r\n`, 'utf8'));
    const event = parsed.find((e) => e.type === 'command');
    assert.ok(
      event?.type === 'command' && event.command.name === 'SEARCH',
      `${text}: ${JSON.stringify(parsed)}`,
    );
    const expected = bruteForce(event.command.criteria);
    const lines = await run(text);
    const answer = lines.find((l) => l.startsWith('* SEARCH'))!;
    const got = answer.slice('* SEARCH'.length).trim().split(' ').filter(Boolean).map(Number);
    assert.deepEqual(got, expected, `query ${q}: ${text}`);
    if (expected.length > 0) hits++;

    // That the index did the narrowing (not a full scan that happens to agree).
    const top = event.command.criteria;
    const needles = top.key === 'AND' ? top.keys : [top];
    const first = needles[0];
    if (
      first &&
      (first.key === 'TEXT' || first.key === 'BODY' || first.key === 'HEADER') &&
      [...first.value].length >= 3
    ) {
      const where = first.key === 'HEADER' ? 'header' : first.key === 'BODY' ? 'body' : 'text';
      const candidates = await srv.ctx.store.searchCandidates!(inbox, [{ where, value: first.value }]);
      assert.ok(candidates, text);
      if (candidates.length < all.length / 2) narrowed++;
      const indexed = await srv.ctx.store.searchIndexed!(inbox, [{ where, value: first.value }]);
      if (indexed && indexed.proven.length > 0) proven++;
    }
  }
  console.log(
    `${hits} of ${QUERIES} queries matched something; the index narrowed ${narrowed}, proved matches for ${proven}`,
  );
  assert.ok(proven >= QUERIES / 10, `the index proved matches for only ${proven} queries`);
  assert.ok(hits >= QUERIES / 4, `only ${hits} queries matched anything: the generator lost its aim`);
  assert.ok(narrowed >= QUERIES / 3, `the index narrowed only ${narrowed} queries`);
});

const SORT_KEYS = ['ARRIVAL', 'CC', 'DATE', 'FROM', 'SIZE', 'SUBJECT', 'TO', 'DISPLAYFROM', 'DISPLAYTO'];

test(`UID SORT and THREAD from the stored keys equal brute force over ${COUNT} messages`, async () => {
  const keysOf = (uids: readonly number[]) => {
    const wanted = new Set(uids);
    return all.flatMap((record, i) =>
      wanted.has(record.uid) ? [sortKeysOf(record, record.meta, i + 1)] : [],
    );
  };
  const byUid = (k: { uid: number }) => k.uid;
  const searches = () => (chance(0.3) ? 'ALL' : chance(0.5) ? otherKey() : query());
  for (let q = 0; q < QUERIES / 2; q++) {
    const search = searches();
    const found = await run(`UID SEARCH CHARSET UTF-8 ${search}`);
    const uids = found
      .find((l) => l.startsWith('* SEARCH'))!
      .slice('* SEARCH'.length)
      .trim()
      .split(' ')
      .filter(Boolean)
      .map(Number);
    const criteria = Array.from(
      { length: 1 + Math.floor(random() * 3) },
      () => `${chance(0.3) ? 'REVERSE ' : ''}${pick(SORT_KEYS)}`,
    );
    const sortText = `UID SORT (${criteria.join(' ')}) UTF-8 ${search}`;
    const parsed = replay(Buffer.from(`x ${sortText}\r\n`, 'utf8')).find((e) => e.type === 'command');
    assert.ok(parsed?.type === 'command' && parsed.command.name === 'SORT', sortText);
    const expected = keysOf(uids).sort(comparatorOf(parsed.command.criteria)).map(byUid);
    const sorted = (await run(sortText)).find((l) => l.startsWith('* SORT'))!;
    assert.equal(sorted, `* SORT${expected.map((u) => ` ${u}`).join('')}`, sortText);

    const algorithm = chance(0.7) ? 'REFERENCES' : 'ORDEREDSUBJECT';
    const threadText = `UID THREAD ${algorithm} UTF-8 ${search}`;
    const keys = keysOf(uids);
    const threads =
      algorithm === 'REFERENCES' ? forestOf(references(keys, byUid)) : orderedSubject(keys, byUid);
    const answer = (await run(threadText)).find((l) => l.startsWith('* THREAD'))!;
    assert.equal(`${answer}\r\n`, encodeUntagged({ type: 'THREAD', threads }), threadText);
  }
});

/** NOOP until the session's view is the store's (changes made through the store reach it by the bus). */
async function syncView(): Promise<number[]> {
  const { uids } = await srv.ctx.store.getIndex(inbox);
  const wanted = Array.from(uids).join(' ');
  for (;;) {
    await run('NOOP');
    const found = (await run('UID SEARCH ALL')).find((l) => l.startsWith('* SEARCH'))!;
    if (found.slice('* SEARCH '.length) === wanted) return Array.from(uids);
  }
}

test('SORT and THREAD stay equal to brute force as messages come and go (the answer memo)', async () => {
  const store = srv.ctx.store;
  let next = COUNT + 1;
  for (let round = 0; round < 8; round++) {
    const criteria = Array.from(
      { length: 1 + Math.floor(random() * 2) },
      () => `${chance(0.3) ? 'REVERSE ' : ''}${pick(SORT_KEYS)}`,
    );
    const search = chance(0.5) ? 'ALL' : 'UNSEEN';
    const sortText = `SORT (${criteria.join(' ')}) UTF-8 ${search}`;
    const algorithm = chance(0.5) ? 'REFERENCES' : 'ORDEREDSUBJECT';
    const threadText = `THREAD ${algorithm} UTF-8 ${search}`;
    // Fill the memo, then change the mailbox: new messages (placed into the memoized order), expunged
    // ones (left out), flag changes (the UNSEEN set moves both ways).
    await run(`UID ${sortText}`);
    await run(`UID ${threadText}`);
    const raws = Array.from({ length: 1 + Math.floor(random() * 30) }, () => message(next++));
    const blobs = await Promise.all(raws.map((raw) => store.blobs.put(raw)));
    await store.appendMany(
      raws.map((raw, k) => ({ accountId, mailboxId: inbox, blob: blobs[k]!, meta: analyzeMessage(raw) })),
    );
    const before = Array.from((await store.getIndex(inbox)).uids);
    await store.expunge(inbox, { uids: Array.from({ length: 5 }, () => pick(before)), force: true });
    const flagged = Array.from({ length: 10 }, () => pick(before));
    await run(`UID STORE ${flagged.join(',')} ${chance(0.5) ? '+' : '-'}FLAGS.SILENT (\\Seen)`);
    const uids = await syncView();
    all = await store.getMessagesWithMeta(inbox, uids, { searchText: true });

    const found = (await run(`SEARCH ${search}`)).find((l) => l.startsWith('* SEARCH'))!;
    const seqs = found.slice('* SEARCH'.length).trim().split(' ').filter(Boolean).map(Number);
    const keys = () => seqs.map((seq) => sortKeysOf(all[seq - 1]!, all[seq - 1]!.meta, seq));
    const parsed = replay(Buffer.from(`x ${sortText}\r\n`, 'utf8')).find((e) => e.type === 'command');
    assert.ok(parsed?.type === 'command' && parsed.command.name === 'SORT', sortText);
    const sorted = keys().sort(comparatorOf(parsed.command.criteria));
    const bySeq = (k: { seq: number }) => k.seq;
    const byUid = (k: { uid: number }) => k.uid;
    for (const [command, id] of [
      [`UID ${sortText}`, byUid],
      [sortText, bySeq],
    ] as const) {
      const answer = (await run(command)).find((l) => l.startsWith('* SORT'))!;
      assert.equal(answer, `* SORT${sorted.map((k) => ` ${id(k)}`).join('')}`, `round ${round}: ${command}`);
    }
    for (const [command, id] of [
      [`UID ${threadText}`, byUid],
      [threadText, bySeq],
    ] as const) {
      const threads =
        algorithm === 'REFERENCES' ? forestOf(references(keys(), id)) : orderedSubject(keys(), id);
      const answer = (await run(command)).find((l) => l.startsWith('* THREAD'))!;
      assert.equal(
        `${answer}\r\n`,
        encodeUntagged({ type: 'THREAD', threads }),
        `round ${round}: ${command}`,
      );
    }
  }
});
