/** curl's IMAP client: list mailboxes and fetch one message by UID. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { requireTool } from '../helpers/tools.js';
import { appendCommand, type ImapFixture, rawImap, SAMPLE_MESSAGE, startImapFixture } from './harness.js';

const run = promisify(execFile);
let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
  const imap = await rawImap(fx.port, fx.users[0]);
  await imap.run(appendCommand('INBOX'));
  await imap.close();
});
after(() => fx.srv.close());

function url(path: string): string[] {
  const user = fx.users[0] as ImapFixture['users'][0];
  return [
    '-s',
    '--max-time',
    '10',
    '-u',
    `${user.login}:${user.password}`,
    `imap://127.0.0.1:${fx.port}/${path}`,
  ];
}

test('curl imap:// lists mailboxes', async (t) => {
  if (!requireTool(t, 'curl')) return;
  const { stdout } = await run('curl', url(''));
  assert.match(stdout, /\* LIST \(.*\) "\/" "?INBOX"?/);
  assert.match(stdout, /\\Sent/);
});

test('curl imap:// fetches a message by UID', async (t) => {
  if (!requireTool(t, 'curl')) return;
  const { stdout } = await run('curl', url('INBOX;UID=1'));
  assert.equal(stdout.replace(/\r?\n/g, '\r\n'), SAMPLE_MESSAGE);
});
