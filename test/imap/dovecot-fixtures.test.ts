/**
 * End to end against recorded Dovecot answers (issue 4): every MIME fixture in test/fixtures/mime is
 * APPENDed over IMAP, and Postyard's FETCH of ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE and every
 * recorded section must equal Dovecot's byte for byte (`NNN.dovecot.json`, recorded by the MIME work).
 * Bytes are compared as latin1 text, like the recordings.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LineClient } from '../helpers/net.js';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

/** A recorded value: the text as sent (bytes as Latin-1 characters), or its length and SHA-256 if huge. */
type RecordedValue = string | { length: number; sha256: string };

interface Recorded {
  ENVELOPE: RecordedValue;
  BODYSTRUCTURE: RecordedValue;
  BODY: RecordedValue;
  'RFC822.SIZE': string;
  sections: Record<
    string,
    | { status: 'OK'; item: string; value: string | null; length?: number; sha256?: string }
    | { status: 'NO' | 'BAD' | 'CRASH'; text: string }
  >;
}

/**
 * Deliberate differences, the same as the MIME golden test's (src/mime/golden.test.ts) — see the reasons
 * there: 8-bit header bytes are sent as UTF-8; HEADER.FIELDS of an encapsulated header without a blank
 * line; two Content-Transfer-Encoding fields; Dovecot refusing BINARY.SIZE yet sending BINARY.
 */
const KNOWN_DIFFERENCES: Record<string, readonly string[]> = {
  '012-8bit-headers': ['ENVELOPE'],
  '028-rfc822-base64': ['BODY.PEEK[2.HEADER.FIELDS (Subject From)]'],
  '043-duplicate-content-type': [
    'BINARY.PEEK[1]',
    'BINARY.SIZE[1]',
    'BINARY.PEEK[]',
    'BINARY.SIZE[]',
    'BINARY.PEEK[1]<2.4>',
  ],
  '023-unknown-cte': ['BINARY.SIZE[2]', 'BINARY.SIZE[3]'],
};

function sameText(actual: string, expected: RecordedValue): boolean {
  if (typeof expected === 'string') return actual === expected;
  const bytes = Buffer.from(actual, 'latin1');
  return (
    bytes.length === expected.length && createHash('sha256').update(bytes).digest('hex') === expected.sha256
  );
}

/** The payload length of a recorded literal ("{n}\r\n…" or "~{n}\r\n…"). */
function literalLength(value: string | null | undefined): number | null {
  const m = value ? /^~?\{(\d+)\}\r\n/.exec(value) : null;
  return m ? Number(m[1]) : null;
}

/** The repository root (works from test/imap and from dist/test/imap). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const FIXTURES = join(repoRoot(), 'test', 'fixtures', 'mime');
const names = existsSync(FIXTURES)
  ? readdirSync(FIXTURES)
      .filter(
        (f) => f.endsWith('.dovecot.json') && existsSync(join(FIXTURES, f.replace('.dovecot.json', '.eml'))),
      )
      .map((f) => f.replace('.dovecot.json', ''))
      .sort()
  : [];

let fx: ImapFixture;
let imap: RawImap;
before(async () => {
  fx = await startImapFixture(1);
  imap = await rawImap(fx.port, fx.users[0]);
  await imap.run('CREATE Fixtures');
  for (const name of names) {
    const raw = readFileSync(join(FIXTURES, `${name}.eml`));
    imap.client.write(
      Buffer.concat([
        Buffer.from(`a${name.slice(0, 3)} APPEND Fixtures {${raw.length}+}\r\n`),
        raw,
        Buffer.from('\r\n'),
      ]),
    );
    const lines = await imap.client.readUntil(new RegExp(`^a${name.slice(0, 3)} `));
    assert.match(lines.at(-1) ?? '', /OK/, `${name}: ${lines.join('\n')}`);
  }
  await imap.run('EXAMINE Fixtures');
});
after(async () => {
  await imap?.close();
  await fx?.srv.close();
});

let tagCounter = 0;

/** FETCH one item; returns the item text (literals inlined as `{n}\r\n<bytes>`) and the tagged status. */
async function fetchItem(
  client: LineClient,
  seq: number,
  item: string,
): Promise<{ text: string; status: string }> {
  const tag = `f${++tagCounter}`;
  client.send(`${tag} FETCH ${seq} (${item})`);
  let text = '';
  for (;;) {
    const line = await client.readLine();
    if (line.startsWith(`${tag} `))
      return { text: stripFetch(text, seq), status: line.slice(tag.length + 1) };
    text += line;
    let literal = /\{(\d+)\}$/.exec(line);
    while (literal) {
      text += `\r\n${(await client.readBytes(Number(literal[1]))).toString('latin1')}`;
      const rest = await client.readLine();
      text += rest;
      literal = /\{(\d+)\}$/.exec(rest);
    }
    text += '\n';
  }
}

/** `* 3 FETCH (ITEM VALUE)` → `ITEM VALUE` (the first FETCH response only). */
function stripFetch(text: string, seq: number): string {
  const first = text.split('\n').find((l) => l.startsWith(`* ${seq} FETCH (`)) ?? '';
  const start = text.indexOf(first) + `* ${seq} FETCH (`.length;
  const end = text.indexOf(')\n', start + first.length - `* ${seq} FETCH (`.length - 1);
  return first ? text.slice(start, end >= 0 ? end : undefined) : '';
}

for (const [i, name] of names.entries()) {
  test(`FETCH equals Dovecot's answers: ${name}`, async () => {
    const recorded = JSON.parse(readFileSync(join(FIXTURES, `${name}.dovecot.json`), 'utf8')) as Recorded;
    const seq = i + 1;
    const known = KNOWN_DIFFERENCES[name] ?? [];
    const mismatches: string[] = [];
    const check = (what: string, actual: string, expected: RecordedValue) => {
      if (known.includes(what) || sameText(actual, expected)) return;
      const shown =
        typeof expected === 'string' ? expected : `${expected.length} bytes, sha256 ${expected.sha256}`;
      mismatches.push(`${what}\n  expected ${JSON.stringify(shown)}\n  actual   ${JSON.stringify(actual)}`);
    };
    for (const item of ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822.SIZE'] as const) {
      const { text } = await fetchItem(imap.client, seq, item);
      check(item, text.slice(item.length + 1), recorded[item]);
    }
    for (const [request, answer] of Object.entries(recorded.sections)) {
      const { text, status } = await fetchItem(imap.client, seq, request);
      if (known.includes(request)) continue;
      // Dovecot's own failures (a crashed imap process) say nothing about the right answer.
      if (answer.status !== 'OK' && answer.status !== 'NO' && answer.status !== 'BAD') continue;
      if (answer.status !== 'OK') {
        const code = /^\[([A-Z-]+)/.exec(answer.text)?.[1] ?? '';
        check(`${request} status`, `${status.split(' ')[0]} ${code}`, `${answer.status} ${code}`);
        continue;
      }
      if (!text.startsWith(`${answer.item} `)) {
        mismatches.push(`${request}: expected item ${answer.item}, got ${JSON.stringify(text.slice(0, 80))}`);
        continue;
      }
      const value = text.slice(answer.item.length + 1);
      if (request.startsWith('BINARY.SIZE')) {
        // Dovecot's BINARY.SIZE sometimes disagrees with the BINARY it sends; ours must match one of them.
        const sent = recorded.sections[request.replace('BINARY.SIZE', 'BINARY.PEEK')];
        const sentLength = sent?.status === 'OK' ? literalLength(sent.value) : null;
        if (value !== answer.value && Number(value) !== sentLength) check(request, value, answer.value ?? '');
        continue;
      }
      check(request, value, answer.value ?? { length: answer.length ?? -1, sha256: answer.sha256 ?? '' });
    }
    assert.equal(mismatches.length, 0, mismatches.join('\n'));
  });
}
