/**
 * The recommended setup with nothing but the defaults (issue 14): the primary device downloads by POP3
 * and leaves a copy on the server for N days (getmail6 delete_after), the phone uses IMAP (mbsync). The
 * phone must still see the new mail as unread after the POP3 download, and once the POP3 device deletes
 * its copies after N days (DELE policy expunge, the default), the phone sees the last N days only.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/tools.js';
import { ALICE, deliver, PASSWORD, run, simpleMessage, startPop3Server } from './helpers.js';

const runFile = promisify(execFile);
const LEAVE_DAYS = 14;

test('POP3 leave-a-copy (getmail6) beside an IMAP phone (mbsync), all defaults: unread on the phone, expired copies go', async (t) => {
  if (!requireTool(t, 'getmail') || !requireTool(t, 'mbsync')) return;
  const srv = await startPop3Server();
  const dir = await mkdtemp(join(tmpdir(), 'postyard-recommended-'));
  t.after(async () => {
    await rm(dir, { recursive: true, force: true });
    await srv.close();
  });

  // The primary device: getmail6 into a Maildir, leaving copies for LEAVE_DAYS days.
  const desktop = join(dir, 'desktop');
  for (const sub of ['cur', 'new', 'tmp']) await mkdir(join(desktop, 'Maildir', sub), { recursive: true });
  // getmail6 refuses to deliver as root; in a root container it delivers as nobody.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run('chmod', ['-R', 'a+rwx', dir]);
  await writeFile(
    join(desktop, 'getmailrc'),
    `[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = ${srv.ports.pop3}\n` +
      `username = ${ALICE}\npassword = ${PASSWORD}\n\n[destination]\ntype = Maildir\npath = ${desktop}/Maildir/\n` +
      `${asRoot ? 'user = nobody\n' : ''}\n[options]\nread_all = false\ndelete_after = ${LEAVE_DAYS}\n`,
  );
  const getmail = async () => {
    const r = await run('getmail', ['--getmaildir', desktop, '--rcfile', 'getmailrc'], {
      env: { HOME: desktop },
    });
    assert.equal(r.code, 0, r.stderr + r.stdout);
  };

  // The phone: mbsync keeping an IMAP copy of INBOX.
  const phone = join(dir, 'phone');
  await mkdir(join(phone, 'mail'), { recursive: true });
  await writeFile(
    join(phone, 'mbsyncrc'),
    `IMAPAccount postyard\nHost 127.0.0.1\nPort ${srv.ports.imap}\nUser ${ALICE}\nPass "${PASSWORD}"\n` +
      'SSLType None\nAuthMechs LOGIN\n\nIMAPStore remote\nAccount postyard\n\n' +
      `MaildirStore local\nPath ${phone}/mail/\nInbox ${phone}/mail/INBOX\n\n` +
      'Channel inbox\nFar :remote:INBOX\nNear :local:INBOX\nCreate Both\nExpunge Both\nSyncState *\n',
  );
  const mbsync = () => runFile('mbsync', ['-c', join(phone, 'mbsyncrc'), '-a'], { timeout: 30_000 });
  /** The phone's messages: Message-ID → whether its Maildir name carries the Seen flag. */
  const phoneView = async () => {
    const seen = new Map<string, boolean>();
    for (const sub of ['cur', 'new']) {
      for (const name of await readdir(join(phone, 'mail', 'INBOX', sub)).catch(() => [] as string[])) {
        const text = await readFile(join(phone, 'mail', 'INBOX', sub, name), 'latin1');
        const id = /^Message-ID: <([^>]+)>/im.exec(text)![1]!;
        seen.set(id, /:2,[A-Z]*S/.test(name));
      }
    }
    return Object.fromEntries([...seen].sort());
  };

  for (let i = 1; i <= 3; i++) await deliver(srv, ALICE, simpleMessage(i));
  await getmail();
  assert.equal((await readdir(join(desktop, 'Maildir', 'new'))).length, 3, 'the desktop downloaded all');
  await mbsync();
  assert.deepEqual(
    await phoneView(),
    { 'm1@example.org': false, 'm2@example.org': false, 'm3@example.org': false },
    'the phone still shows the downloaded mail as unread',
  );

  // LEAVE_DAYS later for the first two (getmail6 keeps "uidl\0first-seen" in its oldmail file).
  await deliver(srv, ALICE, simpleMessage(4));
  const [stateFile] = (await readdir(desktop)).filter((f) => f.startsWith('oldmail-'));
  const state = await readFile(join(desktop, stateFile!), 'utf8');
  const lines = state.split('\n').filter(Boolean);
  const old = Math.floor(Date.now() / 1000) - (LEAVE_DAYS + 1) * 86_400;
  // Dovecot-style UIDLs start with the UID in hex: m1 and m2 have UIDs 1 and 2. (The file is unordered.)
  const isFirstTwo = (line: string) => /^0000000[12]/.test(line);
  assert.equal(lines.filter(isFirstTwo).length, 2, state);
  await writeFile(
    join(desktop, stateFile!),
    `${lines.map((line) => (isFirstTwo(line) ? line.replace(/\0\d+$/, `\0${old}`) : line)).join('\n')}\n`,
  );
  await getmail();
  assert.equal((await readdir(join(desktop, 'Maildir', 'new'))).length, 4, 'the desktop keeps everything');
  await mbsync();
  const view = await phoneView();
  assert.equal(
    Object.keys(view).length,
    2,
    `the phone sees the last ${LEAVE_DAYS} days: ${JSON.stringify(view)}`,
  );
  assert.deepEqual(view, { 'm3@example.org': false, 'm4@example.org': false });
});
