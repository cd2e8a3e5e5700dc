/**
 * End to end against recorded Dovecot answers (issue 4): every MIME fixture in test/fixtures/mime is
 * APPENDed over IMAP, and Postyard's FETCH of ENVELOPE, BODYSTRUCTURE, BODY, RFC822.SIZE and every
 * recorded section must equal Dovecot's byte for byte (`NNN.dovecot.json`, recorded by the MIME work).
 * Bytes are compared as latin1 text, like the recordings.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { LineClient } from '../helpers/net.js';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

interface Recorded {
  ENVELOPE: string;
  BODYSTRUCTURE: string;
  BODY: string;
  'RFC822.SIZE': string;
  sections: Record<
    string,
    { status: 'OK'; item: string; value: string } | { status: 'NO' | 'BAD'; text: string }
  >;
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
    const mismatches: string[] = [];
    const check = (what: string, actual: string, expected: string) => {
      if (actual !== expected)
        mismatches.push(
          `${what}\n  expected ${JSON.stringify(expected)}\n  actual   ${JSON.stringify(actual)}`,
        );
    };
    for (const item of ['ENVELOPE', 'BODYSTRUCTURE', 'BODY', 'RFC822.SIZE'] as const) {
      const { text } = await fetchItem(imap.client, seq, item);
      check(item, text, `${item} ${recorded[item]}`);
    }
    for (const [request, answer] of Object.entries(recorded.sections)) {
      const { text, status } = await fetchItem(imap.client, seq, request);
      if (answer.status === 'OK') {
        check(request, text, `${answer.item} ${answer.value}`);
      } else {
        const code = /^\[([A-Z-]+)/.exec(answer.text)?.[1];
        check(
          `${request} status`,
          `${status.split(' ')[0]} ${code ?? ''}`,
          `${answer.status} ${code ?? ''}`.replace(/ $/, ' '),
        );
      }
    }
    assert.equal(mismatches.length, 0, mismatches.join('\n'));
  });
}
