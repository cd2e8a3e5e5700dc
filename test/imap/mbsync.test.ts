/**
 * mbsync (isync) two-way sync of every folder (issue 4): a first full sync, then a flag change and a
 * deletion on each side, then a second sync that must carry both directions.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/tools.js';
import { appendCommand, type ImapFixture, rawImap, SAMPLE_MESSAGE, startImapFixture } from './harness.js';

const run = promisify(execFile);
let fx: ImapFixture;
let dir: string;

before(async () => {
  fx = await startImapFixture(1);
  dir = await mkdtemp(join(tmpdir(), 'postyard-mbsync-'));
  const imap = await rawImap(fx.port, fx.users[0]);
  await imap.run('CREATE Work/Reports');
  for (let i = 1; i <= 3; i++) {
    await imap.run(appendCommand('INBOX', SAMPLE_MESSAGE.replace('Sample', `Inbox ${i}`)));
    await imap.run(appendCommand('Work/Reports', SAMPLE_MESSAGE.replace('Sample', `Report ${i}`)));
  }
  await imap.close();
});
after(async () => {
  await fx.srv.close();
  await rm(dir, { recursive: true, force: true });
});

async function mbsync(): Promise<void> {
  const user = fx.users[0] as ImapFixture['users'][0];
  const config = join(dir, 'mbsyncrc');
  await mkdir(join(dir, 'mail'), { recursive: true });
  await writeFile(
    config,
    `IMAPAccount postyard
Host 127.0.0.1
Port ${fx.port}
User ${user.login}
Pass ${user.password}
SSLType None
AuthMechs LOGIN

IMAPStore remote
Account postyard

MaildirStore local
Path ${dir}/mail/
Inbox ${dir}/mail/INBOX
SubFolders Verbatim

Channel sync
Far :remote:
Near :local:
Patterns *
Create Both
Remove Both
Expunge Both
SyncState *
`,
  );
  await run('mbsync', ['-c', config, '-a'], { timeout: 30_000 });
}

/** Maildir file names of a folder's messages (cur and new). */
async function files(folder: string): Promise<string[]> {
  const out: string[] = [];
  for (const sub of ['cur', 'new']) {
    for (const f of await readdir(join(dir, 'mail', folder, sub)).catch(() => [] as string[]))
      out.push(join(sub, f));
  }
  return out.sort();
}

async function serverLines(command: string, mailbox: string): Promise<string[]> {
  const imap = await rawImap(fx.port, fx.users[0]);
  await imap.run(`SELECT "${mailbox}"`);
  const lines = await imap.run(command);
  await imap.close();
  return lines;
}

test('mbsync: two-way sync of all folders with flag changes and deletions both ways', async (t) => {
  if (!requireTool(t, 'mbsync')) return;
  await mbsync();
  assert.equal((await files('INBOX')).length, 3);
  assert.equal((await files('Work/Reports')).length, 3);
  for (const special of ['Sent', 'Trash', 'Drafts', 'Junk', 'Archive']) {
    assert.ok((await readdir(join(dir, 'mail'))).includes(special), special);
  }

  // Local side: flag one INBOX message, delete one Work/Reports message.
  const [inboxFirst] = await files('INBOX');
  const flagged = `${inboxFirst}`.replace(
    /:2,([A-Z]*)$/,
    (_m, f: string) => `:2,${[...new Set(`${f}F`)].sort().join('')}`,
  );
  const localFlagged = inboxFirst?.includes(':2,') ? flagged : `${inboxFirst}:2,F`;
  await rename(
    join(dir, 'mail', 'INBOX', inboxFirst as string),
    join(dir, 'mail', 'INBOX', localFlagged.replace(/^new\//, 'cur/')),
  );
  const [reportFirst] = await files('Work/Reports');
  await unlink(join(dir, 'mail', 'Work/Reports', reportFirst as string));

  // Server side: flag and delete in INBOX (message 3 flagged \Seen, message 2 expunged).
  const imap = await rawImap(fx.port, fx.users[0]);
  await imap.run('SELECT INBOX');
  await imap.run('STORE 3 +FLAGS (\\Seen)');
  await imap.run('STORE 2 +FLAGS (\\Deleted)');
  await imap.run('EXPUNGE');
  await imap.close();

  await mbsync();

  // Server got the local changes.
  const inboxFlags = await serverLines('FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])', 'INBOX');
  assert.ok(
    inboxFlags.some((l) => /\\Flagged/.test(l)),
    inboxFlags.join('\n'),
  );
  const reports = await serverLines('SEARCH NOT DELETED', 'Work/Reports');
  assert.equal(
    reports
      .find((l) => l.startsWith('* SEARCH'))
      ?.trim()
      .split(' ').length,
    4,
    reports.join('\n'),
  );

  // Local side got the server changes: INBOX has 2 messages, one of them seen (S flag).
  const inboxFiles = await files('INBOX');
  assert.equal(inboxFiles.length, 2, inboxFiles.join('\n'));
  assert.ok(
    inboxFiles.some((f) => /:2,[A-Z]*S/.test(f)),
    inboxFiles.join('\n'),
  );
});
