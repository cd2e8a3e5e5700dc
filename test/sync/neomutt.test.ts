/**
 * A real Maildir reader on the synced Maildir: neomutt in tmux shows the mail `postyard sync` fetched
 * with the flags it set (new, flagged, replied; a folder), and the flag and deletion it makes are sent
 * to the server by the next run. In CI a missing neomutt or tmux fails the test (see helpers/tools.ts).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { runImap } from '../../src/sync/imap/sync.js';
import { requireTool } from '../helpers/tools.js';
import { accountFor, newDevice } from './helpers.js';
import { serverMessages } from './imap-helpers.js';
import { otherDevice, sampleMessage, startPostyard } from './servers.js';

const run = promisify(execFile);

test('neomutt in tmux reads the synced Maildir, and its changes reach the server', async (t) => {
  if (!requireTool(t, 'neomutt') || !requireTool(t, 'tmux')) return;
  const server = await startPostyard();
  const device = await newDevice();
  t.after(async () => {
    await device.close();
    await server.close();
  });
  const login = await server.newUser();
  const imap = await otherDevice(server, login.user, login.password);
  t.after(() => imap.logout().catch(() => {}));
  await imap.append('INBOX', sampleMessage(1), ['\\Seen']);
  await imap.append('INBOX', sampleMessage(2), ['\\Seen', '\\Flagged']);
  await imap.append('INBOX', sampleMessage(3), ['\\Seen', '\\Answered']);
  await imap.append('INBOX', sampleMessage(4));
  await imap.mailboxCreate('Work');
  await imap.append('Work', sampleMessage(5));
  const account = accountFor(server, 'imap', login, device);
  const sync = () => runImap({ account, password: login.password, state: device.state });
  await sync();

  const muttrc = join(device.dir, 'muttrc');
  await writeFile(
    muttrc,
    [
      'set mbox_type=Maildir',
      `set folder="${device.maildir}"`,
      'set spoolfile="+"',
      'mailboxes + +.Work',
      'set sort=subject',
      'set index_format="<%Z> %s"',
      'set header_cache="" message_cachedir=""',
      'set mail_check=0 timeout=1 wait_key=no quit=yes delete=yes move=no mark_old=no confirmappend=no',
      'set sidebar_visible=no help=no',
    ].join('\n'),
  );
  const socket = `postyard-sync-${process.pid}`;
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args]);
  t.after(() => tmux('kill-server').catch(() => {}));
  await tmux('new-session', '-d', '-x', '120', '-y', '30', `TERM=xterm-256color neomutt -n -F ${muttrc}`);
  const screen = async (pattern: RegExp): Promise<string> => {
    const deadline = Date.now() + 20_000;
    let text = '';
    while (Date.now() < deadline) {
      text = (await tmux('capture-pane', '-p')).stdout;
      if (pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`screen never matched ${pattern}:\n${text}`);
  };

  const index = await screen(/Message 4/);
  const line = (n: number) => index.split('\n').find((l) => l.includes(`Message ${n}`)) ?? '';
  assert.match(line(1), /< *> Message 1/, 'seen, nothing else');
  assert.match(line(2), /<[^>]*!> Message 2/, 'flagged');
  assert.match(line(3), /<[^>]*r[^>]*> Message 3/, 'replied');
  assert.match(line(4), /<N[^>]*> Message 4/, 'new');

  // Flag message 1 (first entry: sorted by subject), delete message 4 (last entry), write the mailbox.
  await tmux('send-keys', '=', 'F');
  await screen(/<[^>]*!> Message 1/);
  await tmux('send-keys', '*', 'd');
  await screen(/<[^>]*D[^>]*> Message 4/);
  await tmux('send-keys', '$');
  await screen(/^(?![\s\S]*Message 4)/);
  // The folder synced from the server is there too.
  await tmux('send-keys', 'c', '=.Work', 'Enter');
  await screen(/Message 5/);
  await tmux('send-keys', 'q');

  const report = await sync();
  assert.equal(report.counts.flagsToServer, 1);
  assert.equal(report.counts.deletedOnServer, 1);
  const inbox = await serverMessages(imap, 'INBOX');
  assert.deepEqual(
    inbox.map((m) => m.subject),
    ['Message 1', 'Message 2', 'Message 3'],
  );
  assert.ok(inbox[0]!.flags.includes('\\Flagged'));
});
