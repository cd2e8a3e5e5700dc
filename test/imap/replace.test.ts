/**
 * REPLACE and UID REPLACE (RFC 8508): a draft saved again replaces the old one in one step. Python's
 * imaplib sends the commands (its synchronising-literal path, the way it sends APPEND); raw sockets check
 * the response order, the errors (state, numbers, read-only, missing mailbox, two messages), QRESYNC's
 * VANISHED, the quota counting the replaced message as freed, and what another session sees.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runTool } from '../delivery/helpers/run-tool.js';
import { requireTool } from '../helpers/tools.js';
import { appendCommand, type ImapFixture, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;

before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

function draft(version: number, extra = ''): string {
  return (
    'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\n' +
    `Subject: Draft v${version}\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nVersion ${version}${extra}\r\n`
  );
}

/** `command {n+}` CRLF message CRLF: a whole command with a LITERAL+ message. */
function withLiteral(command: string, message: string): string {
  return `${command} {${Buffer.byteLength(message)}+}\r\n${message}\r\n`;
}

async function freshUser(name: string, settings = {}): Promise<{ login: string; password: string }> {
  const user = { login: `${name}@example.com`, password: 'pw' };
  await fx.srv.addUser(user.login, user.password, settings);
  return user;
}

const IMAPLIB = `
import imaplib, os, re
imaplib.Commands.setdefault('REPLACE', ('SELECTED',))
m = imaplib.IMAP4('127.0.0.1', int(os.environ['PORT']))
m.login(os.environ['USER'], os.environ['PASS'])
caps = m.capability()[1][0].decode().split()
print('REPLACE-CAP', 'REPLACE' in caps)
def draft(v):
    return ('From: a@example.com\\r\\nSubject: Draft v%d\\r\\n\\r\\nVersion %d\\r\\n' % (v, v)).encode()
typ, data = m.append('Drafts', '(\\\\Draft)', None, draft(1))
assert typ == 'OK', (typ, data)
m.select('Drafts')
# REPLACE 1 Drafts (\\Draft) {n}: imaplib sends the literal the way it does for APPEND.
m.literal = draft(2)
typ, data = m._simple_command('REPLACE', '1', 'Drafts', '(\\\\Draft)')
print('REPLACE', typ, data[0].decode())
print('APPENDUID', m.untagged_responses.pop('APPENDUID', [b''])[0].decode())
print('EXPUNGE', [x.decode() for x in m.untagged_responses.pop('EXPUNGE', [])])
# UID REPLACE of the message just added, through imaplib's own uid().
uid = m.uid('SEARCH', 'ALL')[1][0].decode()
m.literal = draft(3)
# imaplib's uid() answers with the untagged FETCH data it collected (none here): the status is what counts.
typ, data = m.uid('REPLACE', uid, 'Drafts', '(\\\\Draft \\\\Seen)')
print('UIDREPLACE', typ, [x.decode() for x in m.untagged_responses.pop('EXPUNGE', [])])
typ, data = m.uid('FETCH', '1:*', '(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])')
subjects = [p[1].decode().strip() for p in data if isinstance(p, tuple)]
flags = [p[0].decode() for p in data if isinstance(p, tuple)]
print('LEFT', len(subjects), subjects[0], re.search(r'FLAGS \\(([^)]*)\\)', flags[0]).group(1))
m.logout()
`;

test('Python imaplib: REPLACE and UID REPLACE keep one draft, the latest', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const user = await freshUser('pydrafts');
  const env = `import os\nos.environ.update(PORT='${fx.port}', USER='${user.login}', PASS='${user.password}')\n`;
  const run = await runTool('python3', ['-c', env + IMAPLIB]);
  assert.equal(run.status, 0, run.stderr + run.stdout);
  const out = Object.fromEntries(
    run.stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]),
  );
  assert.equal(out['REPLACE-CAP'], 'True');
  assert.match(out.REPLACE!, /^OK REPLACE completed/);
  assert.match(out.APPENDUID!, /^\d+ 2$/, 'the replacement got UID 2');
  assert.equal(out.EXPUNGE, "['1']");
  assert.equal(out.UIDREPLACE, "OK ['1']");
  // New in the mailbox this rev1 session has selected, so \Recent as well.
  assert.equal(out.LEFT, '1 Subject: Draft v3 \\Seen \\Draft \\Recent');
});

test('REPLACE answers APPENDUID, then EXPUNGE, then OK; another session sees EXISTS and EXPUNGE', async () => {
  const user = await freshUser('order');
  const a = await rawImap(fx.port, user);
  const b = await rawImap(fx.port, user);
  try {
    await a.run(appendCommand('Drafts', draft(1), '\\Draft'));
    await a.run(appendCommand('Drafts', draft(2), '\\Draft'));
    await a.run('SELECT Drafts');
    await b.run('SELECT Drafts');
    const lines = await a.run(withLiteral('REPLACE 1 Drafts (\\Draft)', draft(3)));
    const appendUid = lines.findIndex((l) => /^\* OK \[APPENDUID \d+ 3\]/.test(l));
    const expunge = lines.indexOf('* 1 EXPUNGE');
    assert.ok(appendUid >= 0 && expunge > appendUid, lines.join('\n'));
    assert.ok(lines.includes('* 2 EXISTS'), lines.join('\n'));
    assert.match(lines.at(-1)!, /^t\d+ OK REPLACE completed/);
    const fetched = await a.run('UID FETCH 1:* (UID FLAGS)');
    assert.deepEqual(
      fetched.filter((l) => l.startsWith('* ')).map((l) => /UID (\d+)/.exec(l)?.[1]),
      ['2', '3'],
    );

    const seen = await b.run('NOOP');
    assert.ok(seen.includes('* 1 EXPUNGE'), seen.join('\n'));
    assert.ok(seen.includes('* 2 EXISTS'), seen.join('\n'));
  } finally {
    await a.close();
    await b.close();
  }
});

test('REPLACE into another mailbox; with QRESYNC the removal is VANISHED', async () => {
  const user = await freshUser('qresync');
  const c = await rawImap(fx.port, user);
  try {
    await c.run(appendCommand('Drafts', draft(1), '\\Draft'));
    await c.run('ENABLE QRESYNC');
    await c.run('SELECT Drafts');
    const sent = draft(2, ' (sent)');
    const lines = await c.run(withLiteral('UID REPLACE 1 Sent (\\Seen)', sent));
    assert.ok(
      lines.some((l) => /^\* OK \[APPENDUID \d+ 1\]/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.includes('* VANISHED 1'), lines.join('\n'));
    assert.ok(!lines.some((l) => / EXISTS$/.test(l)), 'nothing new in the selected mailbox');
    assert.match(lines.at(-1)!, /OK REPLACE completed/);
    const status = await c.run('STATUS Sent (MESSAGES)');
    assert.ok(
      status.some((l) => /MESSAGES 1\)/.test(l)),
      status.join('\n'),
    );
    const drafts = await c.run('STATUS Drafts (MESSAGES)');
    assert.ok(
      drafts.some((l) => /MESSAGES 0\)/.test(l)),
      drafts.join('\n'),
    );
  } finally {
    await c.close();
  }
});

test('REPLACE errors change nothing and the session goes on', async () => {
  const user = await freshUser('errors');
  const c = await rawImap(fx.port, user);
  const msg = draft(9);
  const literal = `{${Buffer.byteLength(msg)}+}\r\n${msg}`;
  const ended = `${literal}\r\n`;
  try {
    // Not selected: BAD, and the LITERAL+ data is skipped.
    assert.match((await c.run(`REPLACE 1 Drafts ${ended}`)).at(-1)!, /^t\d+ BAD .*not allowed/);
    await c.run(appendCommand('Drafts', draft(1), '\\Draft'));
    await c.run('SELECT Drafts');
    assert.match((await c.run(`REPLACE 2 Drafts ${ended}`)).at(-1)!, /^t\d+ BAD Invalid message sequence/);
    assert.match((await c.run(`UID REPLACE 99 Drafts ${ended}`)).at(-1)!, /^t\d+ NO \[NONEXISTENT\]/);
    assert.match((await c.run(`REPLACE 1 Nowhere ${ended}`)).at(-1)!, /^t\d+ NO \[TRYCREATE\]/);
    // One message only (RFC 8508 §5: no MULTIAPPEND form).
    assert.match((await c.run(`REPLACE 1 Drafts ${literal} ${ended}`)).at(-1)!, /^t\d+ BAD /);
    // A synchronising literal that is refused is never sent by the client: no "+" before the NO.
    c.client.send(`s1 UID REPLACE 77 Drafts {${Buffer.byteLength(msg)}}`);
    assert.deepEqual(await c.client.readUntil(/^s1 /), ['s1 NO [NONEXISTENT] No message with that UID']);
    await c.run('EXAMINE Drafts');
    assert.match((await c.run(`REPLACE 1 Drafts ${ended}`)).at(-1)!, /^t\d+ NO \[READ-ONLY\]/);
    const left = await c.run('UID FETCH 1:* (UID)');
    assert.deepEqual(
      left.filter((l) => l.startsWith('* ')),
      ['* 1 FETCH (UID 1)'],
    );
    assert.match((await c.run('NOOP')).at(-1)!, /^t\d+ OK/);
  } finally {
    await c.close();
  }
});

test('REPLACE counts the replaced message as freed: it works at the quota limit where APPEND does not', async () => {
  const user = await freshUser('full', { quotaMessages: 2 });
  const c = await rawImap(fx.port, user);
  try {
    await c.run(appendCommand('Drafts', draft(1), '\\Draft'));
    await c.run(appendCommand('Drafts', draft(2), '\\Draft'));
    assert.match((await c.run(appendCommand('Drafts', draft(3)))).at(-1)!, /NO \[OVERQUOTA\]/);
    await c.run('SELECT Drafts');
    const msg = draft(3);
    const lines = await c.run(withLiteral('REPLACE 2 Drafts (\\Draft)', msg));
    assert.match(lines.at(-1)!, /OK REPLACE completed/, lines.join('\n'));
    const quota = await c.run('GETQUOTAROOT Drafts');
    assert.ok(
      quota.some((l) => /MESSAGE 2 2/.test(l)),
      quota.join('\n'),
    );
  } finally {
    await c.close();
  }
});
