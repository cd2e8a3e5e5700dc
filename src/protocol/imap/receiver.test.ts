import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImapReceiver } from './receiver.js';
import { type NormalEvent, replayAllChunkings } from './test-support.js';

const types = (events: NormalEvent[]) => events.map((e) => e.type);
const tagsOf = (events: NormalEvent[]) => events.map((e) => ('tag' in e ? e.tag : undefined));

describe('receiver: lines and pipelining', () => {
  it('pipelined commands arrive in order, whatever the chunking', () => {
    const input = 'a1 NOOP\r\na2 CAPABILITY\r\na3 SELECT INBOX\r\na4 FETCH 1:* FLAGS\r\na5 LOGOUT\r\n';
    const events = replayAllChunkings(input);
    assert.deepEqual(types(events), ['command', 'command', 'command', 'command', 'command']);
    assert.deepEqual(tagsOf(events), ['a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('accepts a bare LF line ending', () => {
    const events = replayAllChunkings('a1 NOOP\na2 NOOP\r\n');
    assert.deepEqual(tagsOf(events), ['a1', 'a2']);
  });

  it('needs more input for a partial line and keeps nothing extra', () => {
    const r = new ImapReceiver();
    r.push(Buffer.from('a1 NOO'));
    assert.equal(r.next(), undefined);
    assert.equal(r.inCommand, true);
    r.push(Buffer.from('P\r\n'));
    assert.equal(r.next()?.type, 'command');
    assert.equal(r.next(), undefined);
    assert.equal(r.bufferedBytes, 0);
  });

  it('does not parse the next command before it is pulled (backpressure)', () => {
    const r = new ImapReceiver();
    r.push(Buffer.from('a1 NOOP\r\na2 NOOP\r\n'));
    assert.equal(r.next()?.type, 'command');
    assert.equal(r.bufferedBytes, 9);
  });

  it('a bad command is answered and the next one still works', () => {
    const events = replayAllChunkings('a1 FETCH x\r\na2 NOOP\r\n');
    assert.deepEqual(types(events), ['error', 'command']);
    assert.deepEqual(tagsOf(events), ['a1', 'a2']);
  });
});

describe('receiver: literals', () => {
  it('synchronising literal: continue, then the command', () => {
    const events = replayAllChunkings('a1 LOGIN {3}\r\nbob {6}\r\nsecret\r\n');
    assert.deepEqual(types(events), ['continue', 'continue', 'command']);
  });

  it('non-synchronising literal (LITERAL+): no continue', () => {
    const events = replayAllChunkings('a1 LOGIN {3+}\r\nbob {6+}\r\nsecret\r\n');
    assert.deepEqual(types(events), ['command']);
  });

  it('literal containing CRLF and braces is data, not syntax', () => {
    const events = replayAllChunkings('a1 LOGIN {3+}\r\nbob {10+}\r\n{5}\r\na b\r\n\r\n');
    assert.equal(events[0]?.type, 'command');
    assert.deepEqual((events[0] as { command: unknown }).command, {
      name: 'LOGIN',
      username: 'bob',
      password: '{5}\r\na b\r\n',
    });
  });

  it('zero-length literals', () => {
    const events = replayAllChunkings('a1 LOGIN {0+}\r\n {0}\r\n\r\n');
    assert.deepEqual((events.at(-1) as { command: unknown }).command, {
      name: 'LOGIN',
      username: '',
      password: '',
    });
  });

  it('LITERAL-: a non-synchronising literal over 4096 bytes is BAD [TOOBIG], then discarded', () => {
    const big = 'x'.repeat(5000);
    const events = replayAllChunkings(`a1 LOGIN bob {5000+}\r\n${big}\r\na2 NOOP\r\n`, {
      receiver: { literalPlus: false, maxLiteralSize: 10000 },
    });
    assert.deepEqual(types(events), ['error', 'command']);
    assert.equal((events[0] as { code: string }).code, 'TOOBIG');
    assert.equal(events[0] && 'tag' in events[0] ? events[0].tag : '', 'a1');
  });

  it('synchronising literal over the limit: error instead of continue, no data expected', () => {
    const events = replayAllChunkings('a1 LOGIN bob {999999}\r\na2 NOOP\r\n', {
      receiver: { maxLiteralSize: 1000 },
    });
    assert.deepEqual(types(events), ['error', 'command']);
    assert.equal((events[0] as { code: string }).code, 'TOOBIG');
  });

  it('{4294967296} and absurd sizes are refused without allocating', () => {
    const events = replayAllChunkings(
      'a1 LOGIN bob {4294967296}\r\na2 LOGIN x {99999999999999999999999}\r\na3 NOOP\r\n',
    );
    assert.deepEqual(types(events), ['error', 'error', 'command']);
  });

  it('a huge non-synchronising literal we will not skip is fatal', () => {
    const events = replayAllChunkings('a1 LOGIN bob {4294967296+}\r\nxxxx', {
      receiver: { maxDiscardSize: 1000 },
    });
    assert.equal(events.length, 1);
    assert.equal((events[0] as { fatal: boolean }).fatal, true);
  });

  it('literal8 ~{n} in a non-APPEND command is accepted as a string', () => {
    const events = replayAllChunkings('a1 LOGIN ~{3+}\r\nbob pw\r\n');
    assert.deepEqual((events[0] as { command: unknown }).command, {
      name: 'LOGIN',
      username: 'bob',
      password: 'pw',
    });
  });

  it('unterminated literal: waits for the bytes, holds at most the literal', () => {
    const r = new ImapReceiver();
    r.push(Buffer.from('a1 LOGIN bob {100}\r\nabc'));
    assert.equal(r.next()?.type, 'continue');
    assert.equal(r.next(), undefined);
    assert.equal(r.bufferedBytes, 0);
  });
});

describe('receiver: APPEND streaming', () => {
  const msg = 'From: a@b\r\nSubject: hi\r\n\r\nbody\r\n';

  it('synchronising APPEND: appendBegin, data, end, commit', () => {
    const events = replayAllChunkings(
      `a1 APPEND INBOX (\\Seen) " 5-Mar-2024 10:11:12 +0100" {${msg.length}}\r\n${msg}\r\na2 NOOP\r\n`,
    );
    assert.deepEqual(types(events), [
      'appendBegin',
      'appendData',
      'appendMessageEnd',
      'appendCommit',
      'command',
    ]);
    const begin = events[0] as Extract<NormalEvent, { type: 'appendBegin' }>;
    assert.equal(begin.tag, 'a1');
    assert.equal(begin.mailbox, 'INBOX');
    assert.equal(begin.sync, true);
    assert.deepEqual(begin.message.flags, ['\\Seen']);
    assert.equal(begin.message.size, msg.length);
    assert.equal(begin.message.date?.toISOString(), '2024-03-05T09:11:12.000Z');
    assert.equal((events[1] as { data: string }).data, msg);
    const commit = events[3] as Extract<NormalEvent, { type: 'appendCommit' }>;
    assert.equal(commit.messages.length, 1);
  });

  it('never buffers the message: data chunks are views of what was pushed', () => {
    const r = new ImapReceiver({ maxLiteralSize: 10 });
    r.push(Buffer.from('a1 APPEND INBOX {1000000+}\r\n'));
    assert.equal(r.next()?.type, 'appendBegin');
    let received = 0;
    const chunk = Buffer.alloc(65536, 0x61);
    for (let sent = 0; sent < 1_000_000; sent += chunk.length) {
      r.push(chunk.subarray(0, Math.min(chunk.length, 1_000_000 - sent)));
      for (let ev = r.next(); ev; ev = r.next()) {
        if (ev.type === 'appendData') received += ev.chunk.length;
      }
      assert.equal(r.bufferedBytes, 0);
    }
    assert.equal(received, 1_000_000);
    r.push(Buffer.from('\r\n'));
    assert.equal(r.next()?.type, 'appendCommit');
  });

  it('MULTIAPPEND with literal8 and a literal mailbox name', () => {
    const events = replayAllChunkings(`a1 APPEND {5+}\r\nDraft (\\Draft) {3+}\r\nabc ~{2+}\r\n\u0000z\r\n`);
    assert.deepEqual(types(events), [
      'appendBegin',
      'appendData',
      'appendMessageEnd',
      'appendBegin',
      'appendData',
      'appendMessageEnd',
      'appendCommit',
    ]);
    const second = events[3] as Extract<NormalEvent, { type: 'appendBegin' }>;
    assert.equal(second.mailbox, 'Draft');
    assert.equal(second.index, 1);
    assert.equal(second.message.binary, true);
    assert.equal((events[4] as { data: string }).data, '\u0000z');
  });

  it('too big: NO [TOOBIG], sync literal not awaited', () => {
    const events = replayAllChunkings('a1 APPEND INBOX {2000}\r\na2 NOOP\r\n', {
      receiver: { maxAppendSize: 1000 },
    });
    assert.deepEqual(types(events), ['error', 'command']);
    const err = events[0] as Extract<NormalEvent, { type: 'error' }>;
    assert.equal(err.status, 'NO');
    assert.equal(err.code, 'TOOBIG');
    assert.equal(err.tag, 'a1');
  });

  it('too big with LITERAL+: the data is discarded and the stream resynchronises', () => {
    const events = replayAllChunkings(`a1 APPEND INBOX {2000+}\r\n${'y'.repeat(2000)}\r\na2 NOOP\r\n`, {
      receiver: { maxAppendSize: 1000 },
    });
    assert.deepEqual(types(events), ['error', 'command']);
  });

  it('abortAppend before a synchronising literal: the next line is a command', () => {
    const r = new ImapReceiver();
    r.push(Buffer.from('a1 APPEND Nope {5}\r\n'));
    assert.equal(r.next()?.type, 'appendBegin');
    r.abortAppend();
    r.push(Buffer.from('a2 NOOP\r\n'));
    const ev = r.next();
    assert.equal(ev?.type, 'command');
  });

  it('abortAppend during a non-synchronising literal discards the rest', () => {
    const events = replayAllChunkings(
      `a1 APPEND Nope {10+}\r\n0123456789 (\\Seen) {3+}\r\nabc\r\na2 NOOP\r\n`,
      {
        react: (ev, r) => {
          if (ev.type === 'appendBegin') r.abortAppend();
        },
      },
    );
    assert.deepEqual(types(events), ['appendBegin', 'command']);
    assert.equal((events[1] as { tag: string }).tag, 'a2');
  });

  it('garbage after the message literal is BAD', () => {
    const events = replayAllChunkings('a1 APPEND INBOX {1+}\r\nx junk\r\na2 NOOP\r\n');
    assert.deepEqual(types(events), ['appendBegin', 'appendData', 'appendMessageEnd', 'error', 'command']);
  });

  it('MULTIAPPEND: the second message too big fails the APPEND with its tag', () => {
    const events = replayAllChunkings(
      `a1 APPEND INBOX {1+}\r\nx {5000+}\r\n${'y'.repeat(5000)}\r\na2 NOOP\r\n`,
      {
        receiver: { maxAppendSize: 1000 },
      },
    );
    assert.deepEqual(types(events), ['appendBegin', 'appendData', 'appendMessageEnd', 'error', 'command']);
    assert.equal((events[3] as { tag: string }).tag, 'a1');
    assert.equal((events[4] as { tag: string }).tag, 'a2');
  });

  it('MULTIAPPEND: an over-long line after a message ends the APPEND', () => {
    const events = replayAllChunkings(`a1 APPEND INBOX {1+}\r\nx ${'('.repeat(3000)}\r\na2 NOOP\r\n`, {
      receiver: { maxLineLength: 1000 },
    });
    assert.deepEqual(types(events), ['appendBegin', 'appendData', 'appendMessageEnd', 'error', 'command']);
    assert.equal((events[3] as { tag: string }).tag, 'a1');
  });

  it('APPEND with a bad date is BAD and the announced literal skipped', () => {
    const events = replayAllChunkings('a1 APPEND INBOX "nope" {3+}\r\nabc\r\na2 NOOP\r\n');
    assert.deepEqual(types(events), ['error', 'command']);
  });
  it('MULTIAPPEND: a bad second message head fails the APPEND; the next command is a command', () => {
    const events = replayAllChunkings('a1 APPEND INBOX {1+}\r\nx "nope" {3+}\r\nabc\r\na2 NOOP\r\n');
    assert.deepEqual(types(events), ['appendBegin', 'appendData', 'appendMessageEnd', 'error', 'command']);
    assert.deepEqual(tagsOf(events).slice(3), ['a1', 'a2']);
  });
});

describe('receiver: APPEND UTF8 (~{n}) (RFC 6855 §4)', () => {
  const utf8 = { receiver: { utf8: true } };
  // UTF-8 headers, and a ")" inside the literal that must not close anything.
  const msg = Buffer.from('Subject: Grüße :)\r\n\r\nbody)\r\n');
  const input = (text: string) =>
    Buffer.concat(text.split('MSG').flatMap((p, i) => (i ? [msg, Buffer.from(p)] : [Buffer.from(p)])));

  it('accepted once the session accepts UTF-8: the data is the literal alone', () => {
    const events = replayAllChunkings(
      input(`a1 APPEND INBOX (\\Seen) UTF8 (~{${msg.length}}\r\nMSG)\r\na2 NOOP\r\n`),
      utf8,
    );
    assert.deepEqual(types(events), [
      'appendBegin',
      'appendData',
      'appendMessageEnd',
      'appendCommit',
      'command',
    ]);
    const begin = events[0] as Extract<NormalEvent, { type: 'appendBegin' }>;
    assert.deepEqual([begin.message.utf8, begin.message.binary, begin.sync], [true, true, true]);
    assert.deepEqual(begin.message.flags, ['\\Seen']);
    assert.equal((events[1] as { data: string }).data, msg.toString('latin1'));
  });

  it('MULTIAPPEND mixes UTF8 (~{n+}), plain literals and UTF8 again', () => {
    const events = replayAllChunkings(
      input(`a1 APPEND INBOX UTF8 (~{${msg.length}+}\r\nMSG) (\\Draft) {2+}\r\nxy UTF8 (~{1+}\r\nz)\r\n`),
      utf8,
    );
    const begins = events.filter((e) => e.type === 'appendBegin') as Extract<
      NormalEvent,
      { type: 'appendBegin' }
    >[];
    assert.deepEqual(
      begins.map((b) => b.message.utf8),
      [true, false, true],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'appendData').map((e) => (e as { data: string }).data),
      [msg.toString('latin1'), 'xy', 'z'],
    );
    assert.equal(events.at(-1)?.type, 'appendCommit');
  });

  it('without UTF-8 enabled it is BAD, synchronising or not, and the stream stays in sync', () => {
    const events = replayAllChunkings(
      input(`a1 APPEND INBOX UTF8 (~{${msg.length}+}\r\nMSG)\r\na2 APPEND INBOX UTF8 (~{5}\r\na3 NOOP\r\n`),
    );
    assert.deepEqual(types(events), ['error', 'error', 'command']);
    assert.deepEqual(tagsOf(events), ['a1', 'a2', 'a3']);
    assert.deepEqual(
      events.slice(0, 2).map((e) => (e as { status: string }).status),
      ['BAD', 'BAD'],
    );
  });

  it('needs a literal8 and its closing parenthesis', () => {
    const events = replayAllChunkings(
      input(
        `a1 APPEND INBOX UTF8 ({${msg.length}+}\r\nMSG)\r\na2 APPEND INBOX UTF8 (~{1+}\r\nz\r\na3 NOOP\r\n`,
      ),
      utf8,
    );
    assert.deepEqual(types(events), [
      'error',
      'appendBegin',
      'appendData',
      'appendMessageEnd',
      'error',
      'command',
    ]);
    assert.deepEqual(tagsOf(events), ['a1', 'a2', undefined, 'a2', 'a2', 'a3']);
  });
});

describe('receiver: IDLE and continuation lines', () => {
  it('IDLE waits for DONE; commands pipelined after DONE still work', () => {
    const events = replayAllChunkings('a1 IDLE\r\nDONE\r\na2 NOOP\r\n');
    assert.deepEqual(types(events), ['command', 'idleDone', 'command']);
  });

  it('IDLE: other lines are errors, DONE still ends it; done is case-insensitive', () => {
    const events = replayAllChunkings('a1 IDLE\r\na2 NOOP\r\ndone\r\n');
    assert.deepEqual(types(events), ['command', 'error', 'idleDone']);
  });

  it('IDLE: a long line is skipped without growing', () => {
    const events = replayAllChunkings(`a1 IDLE\r\n${'x'.repeat(5000)}\r\nDONE\r\n`);
    assert.deepEqual(types(events), ['command', 'error', 'idleDone']);
  });

  it('AUTHENTICATE continuation line and cancel', () => {
    const events = replayAllChunkings(
      'a1 AUTHENTICATE PLAIN\r\nAGJvYgBwdw==\r\na2 AUTHENTICATE LOGIN\r\n*\r\n',
    );
    assert.deepEqual(types(events), ['command', 'continuationLine', 'command', 'continuationLine']);
    assert.deepEqual(events[1], { type: 'continuationLine', line: 'AGJvYgBwdw==', cancelled: false });
    assert.deepEqual(events[3], { type: 'continuationLine', line: '*', cancelled: true });
  });

  it('an over-long continuation line cancels the exchange', () => {
    const events = replayAllChunkings(`a1 AUTHENTICATE PLAIN\r\n${'A'.repeat(3000)}\r\na2 NOOP\r\n`, {
      receiver: { maxLineLength: 1000 },
    });
    assert.deepEqual(types(events), ['command', 'continuationLine', 'command']);
    assert.equal((events[1] as { cancelled: boolean }).cancelled, true);
  });

  it('STARTTLS: discardBuffered drops pipelined plaintext', () => {
    const r = new ImapReceiver();
    r.push(Buffer.from('a1 STARTTLS\r\na2 LOGIN injected x\r\n'));
    assert.equal(r.next()?.type, 'command');
    r.discardBuffered();
    assert.equal(r.next(), undefined);
    r.push(Buffer.from('a3 NOOP\r\n'));
    assert.deepEqual(r.next(), { type: 'command', tag: 'a3', command: { name: 'NOOP' } });
  });

  it('COMPRESS: takeBuffered returns the unconsumed bytes, across chunks', () => {
    const r = new ImapReceiver();
    r.push(Buffer.from('a1 COMPRESS DEFLATE\r\nxy'));
    r.push(Buffer.from('z'));
    assert.equal(r.next()?.type, 'command');
    assert.equal(r.takeBuffered().toString(), 'xyz');
    assert.equal(r.bufferedBytes, 0);
    assert.equal(r.takeBuffered().length, 0);
  });
});

describe('receiver: hostile input', () => {
  it('1 MB command line: LIMIT error, skipped without buffering, next command fine', () => {
    const r = new ImapReceiver({ maxLineLength: 8192 });
    r.push(Buffer.from('a1 LOGIN '));
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    const events: string[] = [];
    for (let i = 0; i < 16; i++) {
      r.push(chunk);
      for (let ev = r.next(); ev; ev = r.next()) events.push(`${ev.type}:${'tag' in ev ? ev.tag : ''}`);
      assert.equal(r.bufferedBytes, 0);
    }
    r.push(Buffer.from('\r\na2 NOOP\r\n'));
    for (let ev = r.next(); ev; ev = r.next()) events.push(`${ev.type}:${'tag' in ev ? ev.tag : ''}`);
    assert.deepEqual(events, ['error:a1', 'command:a2']);
  });

  it('an over-long line ending in a non-synchronising literal still skips the literal', () => {
    const events = replayAllChunkings(`a1 LOGIN ${'x'.repeat(3000)} {5+}\r\nDONE!\r\na2 NOOP\r\n`, {
      receiver: { maxLineLength: 1000 },
    });
    assert.deepEqual(types(events), ['error', 'command']);
  });

  it('deeply nested parentheses in SEARCH: BAD, no stack overflow', () => {
    const depth = 20000;
    const line = `a1 SEARCH ${'('.repeat(depth)}ALL${')'.repeat(depth)}\r\na2 NOOP\r\n`;
    const events = replayAllChunkings(line, { receiver: { maxLineLength: 100000 }, rounds: 3 });
    assert.deepEqual(types(events), ['error', 'command']);
    assert.equal((events[0] as { code: string }).code, 'LIMIT');
  });

  it('deep NOT/OR chains are bounded too', () => {
    const line = `a1 SEARCH ${'NOT '.repeat(20000)}ALL\r\na2 SEARCH ${'OR ALL '.repeat(20000)}ALL\r\n`;
    const events = replayAllChunkings(line, { receiver: { maxLineLength: 200000 }, rounds: 3 });
    assert.deepEqual(types(events), ['error', 'error']);
  });

  it('reasonable nesting is fine', () => {
    const events = replayAllChunkings('a1 SEARCH OR (FROM a (TO b)) NOT (OR SEEN (UNSEEN DELETED))\r\n');
    assert.equal(events[0]?.type, 'command');
  });

  it('NUL bytes, 8-bit garbage and lone CRs do not crash', () => {
    const events = replayAllChunkings('a1 NO\u0000OP\r\n\u00ff\u00fe\r\na2 SELECT "a\rb"\r\na3 NOOP\r\n');
    assert.deepEqual(types(events), ['error', 'error', 'error', 'command']);
  });

  it('limits total literal bytes per command', () => {
    const lit = 'z'.repeat(600);
    const events = replayAllChunkings(`a1 LOGIN {600+}\r\n${lit} {600+}\r\n${lit}\r\na2 NOOP\r\n`, {
      receiver: { maxLiteralSize: 1000, maxCommandSize: 1000 },
    });
    assert.deepEqual(types(events), ['error', 'command']);
  });
});
