/**
 * Hostile input over the socket (issues 4 and 5): each gets BAD/NO (or a clean BYE where the stream
 * cannot be resynchronised) and the server keeps serving other sessions.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '../helpers/net.js';
import { type ImapFixture, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(2);
});
after(() => fx.srv.close());

async function stillServing(): Promise<void> {
  const imap = await rawImap(fx.port, fx.users[0]);
  const lines = await imap.run('NOOP');
  assert.match(lines.at(-1) ?? '', /^t\d+ OK/);
  await imap.close();
}

test('bad mailbox names: ../, NUL, empty levels, invalid UTF-7 → NO/BAD, session continues', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    for (const name of [
      '"../etc"',
      '"a/../b"',
      '"a//b"',
      '"/abs"',
      '"Bad&Jjo"',
      '"&-&"',
      '{3+}\r\na\u0000b',
      '"x*"',
    ]) {
      const lines = await imap.run(`CREATE ${name}`);
      assert.match(lines.at(-1) ?? '', /^t\d+ (NO|BAD)/, `CREATE ${name}: ${lines.join('\n')}`);
    }
    // Invalid UTF-8 in a literal name, for a rev1 and (below) a rev2 session.
    imap.client.write(
      Buffer.concat([Buffer.from('u1 CREATE {4+}\r\nab'), Buffer.from([0xff, 0xfe]), Buffer.from('\r\n')]),
    );
    assert.match((await imap.client.readUntil(/^u1 /)).at(-1) ?? '', /^u1 (NO|BAD)/);
    await imap.run('ENABLE IMAP4rev2');
    imap.client.write(
      Buffer.concat([Buffer.from('u2 CREATE "x'), Buffer.from([0xc3, 0x28]), Buffer.from('"\r\n')]),
    );
    assert.match((await imap.client.readUntil(/^u2 /)).at(-1) ?? '', /^u2 (NO|BAD)/);
    const lines = await imap.run('SELECT "../INBOX"');
    assert.match(lines.at(-1) ?? '', /^t\d+ (NO|BAD)/);
    assert.match((await imap.run('NOOP')).at(-1) ?? '', /OK/);
  } finally {
    await imap.close();
  }
  await stillServing();
});

test('a 1 MB command line is refused and the server keeps serving', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  imap.client.write(`t9 NOOP ${'x'.repeat(1024 * 1024)}\r\n`);
  const lines = await imap.client.readUntil(/^(t9 |\* BYE|\* BAD)/, 10_000);
  assert.match(lines.at(-1) ?? '', /BAD|BYE/);
  await imap.close();
  await stillServing();
});

test('a 4 GiB literal announcement is refused', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  imap.client.send('t9 APPEND INBOX {4294967296}');
  const lines = await imap.client.readUntil(/^(t9 |\* BYE)/);
  assert.match(lines.at(-1) ?? '', /NO|BAD|BYE/);
  assert.ok(!lines.some((l) => l.startsWith('+')), 'no continuation for an oversized literal');
  await imap.close();
  await stillServing();
});

test('an unterminated literal then a dropped connection leaves the server healthy', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  imap.client.send('t9 APPEND INBOX {100}');
  assert.match(await imap.client.readLine(), /^\+ /);
  imap.client.write('only a few bytes');
  await imap.close();
  await stillServing();
});

test('deeply nested parentheses in SEARCH → BAD, session continues', async () => {
  const imap = await rawImap(fx.port, fx.users[0]);
  try {
    await imap.run('SELECT INBOX');
    const lines = await imap.run(`SEARCH ${'('.repeat(5000)}ALL${')'.repeat(5000)}`);
    assert.match(lines.at(-1) ?? '', /^t\d+ BAD/);
    assert.match((await imap.run('NOOP')).at(-1) ?? '', /OK/);
  } finally {
    await imap.close();
  }
});

test('too many bad commands end the connection with BYE', async () => {
  const c = await connect(fx.port);
  await c.readLine();
  for (let i = 0; i < 30; i++) c.send(`x${i} FROBNICATE`);
  const lines = await c.readUntil(/^\* BYE/);
  assert.ok(lines.filter((l) => / BAD /.test(l)).length >= 1);
  await c.waitClosed();
  await stillServing();
});

test('another user cannot see, select, status, append to or copy into my mailboxes', async () => {
  const [alice, bob] = fx.users as [ImapFixture['users'][0], ImapFixture['users'][0]];
  const a = await rawImap(fx.port, alice);
  await a.run('CREATE Private');
  await a.close();
  const b = await rawImap(fx.port, bob);
  try {
    const list = await b.run('LIST "" *');
    assert.ok(!list.some((l) => l.includes('Private')));
    for (const command of [
      'SELECT Private',
      'EXAMINE Private',
      'STATUS Private (MESSAGES)',
      'DELETE Private',
    ]) {
      const lines = await b.run(command);
      assert.match(lines.at(-1) ?? '', /^t\d+ NO/, command);
    }
    const append = await b.run('APPEND Private {1+}\r\nx');
    assert.match(append.at(-1) ?? '', /^t\d+ NO \[TRYCREATE\]/);
  } finally {
    await b.close();
  }
});

test('plaintext LOGIN is refused on a non-trusted connection unless allowed', async (t) => {
  const srv = await (await import('../helpers/server.js')).startTestServer({
    trustedNetworks: ['10.255.255.0/24'],
    allowPlaintextAuth: false,
  });
  t.after(() => srv.close());
  await srv.addUser('carol@example.com', 'pw');
  const c = await connect(srv.ports.imap as number);
  const greeting = await c.readLine();
  assert.match(greeting, /LOGINDISABLED/);
  assert.match(greeting, /STARTTLS/);
  c.send('a LOGIN carol@example.com pw');
  assert.match((await c.readUntil(/^a /)).at(-1) ?? '', /^a NO \[PRIVACYREQUIRED\]/);
  c.send('b STARTTLS');
  assert.match((await c.readUntil(/^b /)).at(-1) ?? '', /^b OK/);
  await c.starttls();
  c.send('c CAPABILITY');
  const caps = await c.readUntil(/^c /);
  assert.ok(caps.some((l) => l.includes('AUTH=PLAIN')) && !caps.some((l) => l.includes('LOGINDISABLED')));
  c.send('d LOGIN carol@example.com pw');
  assert.match((await c.readUntil(/^d /)).at(-1) ?? '', /^d OK/);
  await c.close();
});

test('STARTTLS: plaintext pipelined after the command is discarded (no injection)', async () => {
  const c = await connect(fx.port);
  await c.readLine();
  c.write('s1 STARTTLS\r\ns2 CAPABILITY\r\n');
  assert.match((await c.readUntil(/^s1 /)).at(-1) ?? '', /^s1 OK/);
  await c.starttls();
  c.send('s3 NOOP');
  const lines = await c.readUntil(/^s3 /);
  assert.ok(!lines.some((l) => l.startsWith('s2')), lines.join('\n'));
  await c.close();
});

test('shutdown says BYE to every session', async () => {
  const { startTestServer } = await import('../helpers/server.js');
  const srv = await startTestServer();
  const c = await connect(srv.ports.imap as number);
  await c.readLine();
  const closing = srv.close();
  const lines = await c.readUntil(/^\* BYE/);
  assert.match(lines.at(-1) ?? '', /^\* BYE Server shutting down/);
  await closing;
});

test('random command lines in every state never crash the server (fast-check, bounded)', async () => {
  const fc = await import('fast-check');
  const words = [
    'FETCH',
    'UID',
    'STORE',
    'SEARCH',
    'SELECT',
    'LIST',
    'APPEND',
    'COPY',
    'MOVE',
    'STATUS',
    '1:*',
    '*',
    '$',
  ];
  const token = fc.oneof(
    fc.constantFrom(
      ...words,
      '(',
      ')',
      '"',
      '{3}',
      '{2+}',
      'BODY[1.2.MIME]<0.5>',
      '\\Seen',
      'INBOX',
      '&-',
      '~{1}',
    ),
    fc.string({ maxLength: 8 }),
  );
  const line = fc.array(token, { maxLength: 12 }).map((t) =>
    t
      .join(' ')
      .replace(/[\r\n]/g, '')
      .replace(/\{\d*\+?\}$/, ''),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), async (lines) => {
      const imap = await rawImap(fx.port, fx.users[0]);
      try {
        await imap.run('SELECT INBOX');
        for (const [i, text] of lines.entries()) imap.client.write(`r${i} ${text}\r\n`);
        imap.client.write('zz NOOP\r\n');
        // Whatever happened, the session answers the final NOOP or says BYE; nothing hangs.
        const answer = await imap.client.readUntil(/^(zz |\* BYE)/, 5000);
        assert.ok(answer.length > 0);
      } finally {
        await imap.close();
      }
    }),
    { numRuns: 30 },
  );
  await stillServing();
});
