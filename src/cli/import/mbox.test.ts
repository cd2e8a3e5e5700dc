import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { asctimeDate, readMbox } from './mbox.js';

const MBOX = [
  'From alice@example.com Tue Nov 14 22:13:20 2023',
  'Subject: one',
  '',
  '>From the desk of alice',
  '>>From quoted twice',
  'From here on, unquoted but not after an empty line',
  '',
  'From bob@example.org Wed Nov 15 08:00:00 2023',
  'Subject: two',
  '',
  'body two',
  '',
  '',
].join('\n'); // ends 'body two\n\n': the message's last line, then the separating empty line

async function collect(text: string | Buffer) {
  const dir = mkdtempSync(join(tmpdir(), 'mbox-'));
  try {
    const file = join(dir, 'x.mbox');
    writeFileSync(file, text);
    const out = [];
    for await (const m of readMbox(file)) out.push(m);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('splits messages, unquotes >From (mboxrd), CRLF lines, drops the separator line', async () => {
  const messages = await collect(MBOX);
  assert.equal(messages.length, 2);
  assert.equal(
    messages[0]!.data.toString(),
    'Subject: one\r\n\r\nFrom the desk of alice\r\n>From quoted twice\r\nFrom here on, unquoted but not after an empty line\r\n',
  );
  assert.equal(messages[1]!.data.toString(), 'Subject: two\r\n\r\nbody two\r\n');
  assert.equal(messages[0]!.fromDate?.toISOString(), '2023-11-14T22:13:20.000Z');
  assert.equal(messages[1]!.fromDate?.toISOString(), '2023-11-15T08:00:00.000Z');
  assert.equal(messages[1]!.position, Buffer.byteLength(MBOX));
});

test('last message without a trailing newline; CRLF input', async () => {
  const messages = await collect('From a Mon Jan  1 00:00:00 2024\r\nSubject: x\r\n\r\nend');
  assert.equal(messages.length, 1);
  assert.equal(messages[0]!.data.toString(), 'Subject: x\r\n\r\nend\r\n');
});

test('rejects a file that is not an mbox', async () => {
  await assert.rejects(collect('Subject: not mbox\n\nhello\n'), /not an mbox/);
});

test('empty file has no messages', async () => {
  assert.equal((await collect('')).length, 0);
});

test('asctimeDate reads asctime with optional zone', () => {
  const d = (s: string) => asctimeDate(Buffer.from(s))?.toISOString() ?? null;
  assert.equal(d('From x Tue Nov 14 22:13:20 2023'), '2023-11-14T22:13:20.000Z');
  assert.equal(d('From x Mon Jan  1 00:00 2024'), '2024-01-01T00:00:00.000Z');
  assert.equal(d('From x Mon Jan  1 02:00:00 +0200 2024'), '2024-01-01T00:00:00.000Z');
  assert.equal(d('From x Mon Jan  1 02:00:00 2024 +0200'), '2024-01-01T00:00:00.000Z');
  assert.equal(d('From x'), null);
  assert.equal(d('From x Mon Foo  1 02:00:00 2024'), null);
});
