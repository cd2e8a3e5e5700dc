/**
 * POP3 and IMAP on one INBOX (issue 3): an IMAP session that has INBOX selected is unaffected while a
 * POP3 session runs, and sees the POP3 deletions as EXPUNGE right after QUIT — or nothing with `hide`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, type LineClient } from '../helpers/net.js';
import { ALICE, deliver, expectOk, PASSWORD, pop3Login, simpleMessage, startPop3Server } from './helpers.js';

async function imapSelectInbox(port: number): Promise<LineClient> {
  const imap = await connect(port);
  await imap.readLine();
  imap.send(`a LOGIN "${ALICE}" "${PASSWORD}"`);
  assert.match((await imap.readUntil(/^a /)).at(-1)!, /^a OK/);
  imap.send('b SELECT INBOX');
  const lines = await imap.readUntil(/^b /);
  assert.match(lines.at(-1)!, /^b OK/);
  assert.ok(lines.includes('* 3 EXISTS'), lines.join('\n'));
  return imap;
}

async function imapNoop(imap: LineClient, tag: string): Promise<string[]> {
  imap.send(`${tag} NOOP`);
  const lines = await imap.readUntil(new RegExp(`^${tag} `));
  assert.match(lines.at(-1)!, new RegExp(`^${tag} OK`));
  return lines.slice(0, -1);
}

for (const policy of ['expunge', 'hide'] as const) {
  test(`an IMAP session sees POP3 deletions after QUIT (policy ${policy})`, async () => {
    const srv = await startPop3Server({ pop3: { deletePolicy: policy } });
    try {
      for (let i = 1; i <= 3; i++) await deliver(srv, ALICE, simpleMessage(i));
      const imap = await imapSelectInbox(srv.ports.imap!);
      const pop3 = await pop3Login(srv.ports.pop3!);
      await expectOk(pop3, 'DELE 1');
      await expectOk(pop3, 'DELE 3');
      assert.deepEqual(await imapNoop(imap, 'c'), [], 'nothing happens before QUIT');
      await expectOk(pop3, 'QUIT');
      const untagged = await imapNoop(imap, 'd');
      // Replay the EXPUNGEs on the IMAP view of messages 1..3 (any valid order): only message 2 remains.
      const view = [1, 2, 3];
      for (const line of untagged) {
        const m = /^\* (\d+) EXPUNGE$/.exec(line);
        if (m) view.splice(Number(m[1]) - 1, 1);
      }
      assert.deepEqual(view, policy === 'expunge' ? [2] : [1, 2, 3], untagged.join('\n'));
      imap.send('e LOGOUT');
      await imap.readUntil(/^e /);
    } finally {
      await srv.close();
    }
  });
}
