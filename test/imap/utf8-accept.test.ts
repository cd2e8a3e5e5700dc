/** UTF8=ACCEPT (RFC 6855) for rev1 clients over a raw socket: ENABLE, UTF-8 names, APPEND UTF8 (~{n}). */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

const UTF8_MESSAGE = 'From: Jörg <jörg@example.com>\r\nSubject: Grüße aus Köln\r\n\r\nHallo\r\n';
const SIZE = Buffer.byteLength(UTF8_MESSAGE);

async function session(): Promise<RawImap> {
  return rawImap(fx.port, fx.users[0]);
}

/** Every BODY[] of the mailbox, as text (lines joined by CRLF), in sequence order. */
async function bodies(s: RawImap, mailbox: string): Promise<string[]> {
  await s.run(`EXAMINE ${mailbox}`);
  const lines = await s.run('FETCH 1:* (BODY.PEEK[])');
  const text = lines.slice(0, -1).join('\r\n');
  return text
    .split(/\* \d+ FETCH \(BODY\[\] \{\d+\}\r\n/)
    .slice(1)
    .map((piece) => piece.replace(/\r\n$/, ''));
}

test('UTF8=ACCEPT is advertised after login only; ENABLE answers ENABLED once', async () => {
  const s = await rawImap(fx.port);
  try {
    const before = await s.run('CAPABILITY');
    assert.ok(!before[0]?.includes('UTF8=ACCEPT'), before[0]);
    await s.run(`LOGIN "${fx.users[0]!.login}" "${fx.users[0]!.password}"`);
    const caps = await s.run('CAPABILITY');
    assert.ok(caps[0]?.split(' ').includes('UTF8=ACCEPT'), caps[0]);
    assert.deepEqual((await s.run('ENABLE UTF8=ACCEPT')).slice(0, 1), ['* ENABLED UTF8=ACCEPT']);
    assert.deepEqual((await s.run('ENABLE UTF8=ACCEPT')).slice(0, 1), ['* ENABLED']);
  } finally {
    await s.close();
  }
});

test('without UTF8=ACCEPT or IMAP4rev2 the APPEND UTF8 form is BAD and the stream stays in sync', async () => {
  const s = await session();
  try {
    // Synchronising: no "+", the client does not send the literal.
    const sync = await s.run(`APPEND INBOX UTF8 (~{${SIZE}}`);
    assert.match(sync.at(-1) ?? '', /^t\d+ BAD /);
    // Non-synchronising: the literal and the closing ")" are skipped.
    const nonSync = await s.run(`APPEND INBOX UTF8 (~{${SIZE}+}\r\n${UTF8_MESSAGE})`);
    assert.match(nonSync.at(-1) ?? '', /^t\d+ BAD /);
    assert.match((await s.run('NOOP')).at(-1) ?? '', /^t\d+ OK/);
    assert.ok((await s.run('STATUS INBOX (MESSAGES)')).includes('* STATUS "INBOX" (MESSAGES 0)'));
  } finally {
    await s.close();
  }
});

test('after ENABLE UTF8=ACCEPT: UTF-8 names both ways, APPEND UTF8 stores the literal alone', async () => {
  const s = await session();
  try {
    await s.run('ENABLE UTF8=ACCEPT');
    assert.match((await s.run('CREATE "Ablage/Entwürfe"')).at(-1) ?? '', /OK/);
    const listed = await s.run('LIST "" "Ablage/*"');
    assert.ok(listed.includes('* LIST (\\HasNoChildren) "/" "Ablage/Entwürfe"'), listed.join('\n'));
    assert.ok(!listed.some((l) => l.includes('&APw-')), 'no modified UTF-7 after UTF8=ACCEPT');

    // Synchronising literal8 inside UTF8 ( ... ): "+" first, then the data and ")".
    s.client.send(`a1 APPEND "Ablage/Entwürfe" (\\Seen) UTF8 (~{${SIZE}}`);
    assert.match(await s.client.readLine(), /^\+ /);
    s.client.write(`${UTF8_MESSAGE})\r\n`);
    const appended = await s.client.readUntil(/^a1 /);
    assert.match(appended.at(-1) ?? '', /^a1 OK \[APPENDUID \d+ 1\]/);
    // MULTIAPPEND mixing the UTF8 form, a plain literal and LITERAL+ inside UTF8 ( ... ).
    const plain = 'Subject: plain\r\n\r\nx\r\n';
    const multi = await s.run(
      `APPEND "Ablage/Entwürfe" UTF8 (~{${SIZE}+}\r\n${UTF8_MESSAGE}) {${plain.length}+}\r\n${plain}` +
        ` () UTF8 (~{${SIZE}+}\r\n${UTF8_MESSAGE})`,
    );
    assert.match(multi.at(-1) ?? '', /^t\d+ OK \[APPENDUID \d+ 2:4\]/);
    assert.deepEqual(await bodies(s, '"Ablage/Entwürfe"'), [
      `${UTF8_MESSAGE})`,
      `${UTF8_MESSAGE})`,
      `${plain})`,
      `${UTF8_MESSAGE})`,
    ]);
    // UTF8 ( ... ) needs literal8; a missing ")" fails the command.
    assert.match((await s.run(`APPEND INBOX UTF8 ({${SIZE}+}\r\n${UTF8_MESSAGE})`)).at(-1) ?? '', /BAD/);
    const unclosed = await s.run(`APPEND INBOX UTF8 (~{${SIZE}+}\r\n${UTF8_MESSAGE}\r\n`);
    assert.match(unclosed.at(-1) ?? '', /BAD/);
    assert.ok((await s.run('STATUS INBOX (MESSAGES)')).includes('* STATUS "INBOX" (MESSAGES 0)'));
  } finally {
    await s.close();
  }

  // A rev1 session without UTF8=ACCEPT still sees modified UTF-7.
  const rev1 = await session();
  try {
    const listed = await rev1.run('LIST "" "Ablage/*"');
    assert.ok(listed.includes('* LIST (\\HasNoChildren) "/" "Ablage/Entw&APw-rfe"'), listed.join('\n'));
  } finally {
    await rev1.close();
  }
});

test('IMAP4rev2 sessions accept the APPEND UTF8 form too', async () => {
  const s = await session();
  try {
    await s.run('ENABLE IMAP4rev2');
    assert.match((await s.run(`APPEND Drafts UTF8 (~{${SIZE}+}\r\n${UTF8_MESSAGE})`)).at(-1) ?? '', /OK/);
    assert.deepEqual(await bodies(s, 'Drafts'), [`${UTF8_MESSAGE})`]);
  } finally {
    await s.close();
  }
});
