/**
 * Issue 5 "Process behaviour": an unexpected exception inside one connection's handling gives that
 * client a generic server-error reply (internal details go to the log, never to the client) and never
 * takes the process down; other sessions keep working. Store methods are made to throw a plain Error
 * carrying a marker that must not appear on the wire.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { deliverMessage } from '../../src/server/delivery/deliver-message.js';
import type { Store } from '../../src/store/store.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { imapLogin, messageWithId } from './helpers/imap.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';
import { smtpConnect } from './helpers/smtp.js';

const USER = 'errors@example.org';
const PASSWORD = 'errors-password';
const SECRET = 'SECRET-internal-detail-/var/lib/postyard/db.sqlite';
let srv: TestServer;
const restore: (() => void)[] = [];

before(async () => {
  srv = await startTestServer();
  await srv.addUser(USER, PASSWORD);
  for (let i = 0; i < 2; i++) {
    const [outcome] = await deliverMessage(srv.ctx, {
      recipients: [USER],
      input: Buffer.from(messageWithId(`e${i}@x`)),
    });
    assert.ok(outcome?.ok);
  }
});
function undoBreaks(): void {
  for (const undo of restore.splice(0)) undo();
}
afterEach(undoBreaks);
after(() => srv.close());

/** Makes `store[method]` throw (or reject) a plain Error with SECRET until the test ends. */
function breakStore(method: keyof Store): void {
  const store = srv.ctx.store as unknown as Record<string, unknown>;
  const original = store[method];
  store[method] = () => {
    throw new Error(SECRET);
  };
  restore.push(() => {
    store[method] = original;
  });
}

async function imapStillServes(): Promise<void> {
  const imap = await imapLogin(srv.ports.imap!, USER, PASSWORD);
  try {
    await imap.ok('SELECT INBOX');
    await imap.ok('FETCH 1 (FLAGS)');
  } finally {
    imap.close();
  }
}

for (const [method, command] of [
  ['mailboxStatus', 'STATUS INBOX (MESSAGES)'],
  ['getMessagesWithMeta', 'FETCH 1:* (ENVELOPE)'],
  ['storeFlags', 'STORE 1 +FLAGS (\\Flagged)'],
  ['copy', 'COPY 1 Trash'],
  ['listMailboxes', 'LIST "" *'],
] as const) {
  test(`IMAP: ${method} throwing during ${command.split(' ')[0]} gives a generic NO/BAD or BYE, no details`, async () => {
    const imap = await imapLogin(srv.ports.imap!, USER, PASSWORD);
    try {
      await imap.ok('SELECT INBOX');
      breakStore(method);
      const lines = await imap.run(command).catch((err: Error) => [err.message]);
      const text = lines.join('\n');
      assert.ok(!text.includes(SECRET), `internal detail leaked: ${text}`);
      assert.match(lines.at(-1)!, /^s\d+ (NO|BAD)|^\* BYE|closed/, text);
    } finally {
      imap.close();
    }
    undoBreaks();
    await imapStillServes();
  });
}

test('POP3: the store failing during login and RETR gives -ERR without details; the server keeps serving', async () => {
  breakStore('getIndex');
  breakStore('getPopMaildrop');
  const first = await pop3Connect(srv.ports.pop3!);
  try {
    const reply = await pop3UserPass(first, USER, PASSWORD);
    assert.match(reply, /^-ERR/);
    assert.ok(!reply.includes(SECRET), reply);
  } finally {
    first.close();
  }
  undoBreaks();

  const pop3 = await pop3Connect(srv.ports.pop3!);
  try {
    assert.match(await pop3UserPass(pop3, USER, PASSWORD), /^\+OK/);
    const blobs = srv.ctx.store.blobs as unknown as Record<string, unknown>;
    const originals = {
      read: blobs.read,
      readSync: blobs.readSync,
      readIntoSync: blobs.readIntoSync,
      stream: blobs.stream,
    };
    blobs.read = () => Promise.reject(new Error(SECRET));
    blobs.readSync = () => {
      throw new Error(SECRET);
    };
    blobs.readIntoSync = () => {
      throw new Error(SECRET);
    };
    blobs.stream = () => {
      throw new Error(SECRET);
    };
    restore.push(() => Object.assign(blobs, originals));
    const reply = await pop3.cmd('RETR 1').catch((err: Error) => err.message);
    assert.ok(!reply.includes(SECRET), reply);
    assert.match(reply, /^-ERR|closed/);
  } finally {
    pop3.close();
  }
  undoBreaks();
  const again = await pop3Connect(srv.ports.pop3!);
  try {
    assert.match(await pop3UserPass(again, USER, PASSWORD), /^\+OK/);
    assert.match(await again.cmd('RETR 1'), /^\+OK/);
  } finally {
    again.close();
  }
});

test('LMTP: the store failing during delivery gives a temporary 4xx without details, nothing acknowledged', async () => {
  breakStore('deliver');
  const lmtp = await smtpConnect(srv.ports.lmtp!);
  try {
    for (const c of ['LHLO t', 'MAIL FROM:<a@example.net>', `RCPT TO:<${USER}>`, 'DATA']) await lmtp.cmd(c);
    const reply = (await lmtp.cmd(`${messageWithId('broken@x')}.`)).join('\n');
    assert.match(reply, /^4\d\d /m);
    assert.ok(!reply.includes(SECRET), reply);
  } finally {
    lmtp.close();
  }
  undoBreaks();
  const ok = await smtpConnect(srv.ports.lmtp!);
  try {
    for (const c of ['LHLO t', 'MAIL FROM:<a@example.net>', `RCPT TO:<${USER}>`, 'DATA']) await ok.cmd(c);
    assert.match((await ok.cmd(`${messageWithId('fine@x')}.`)).at(-1)!, /^250 /);
  } finally {
    ok.close();
  }
});
