/**
 * `postyard sync` in POP3 mode against Postyard and the reference Dovecot: download by UIDL,
 * leave-on-server for N days with an injected clock, a connection cut in the middle of RETR, and a
 * crash between the local store and the state write.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { runPop3 } from '../../src/sync/pop3/sync.js';
import { CutProxy } from './cut-proxy.js';
import { accountFor, maildirFiles, newDevice, subjects } from './helpers.js';
import { dovecotUnavailable, type MailServer, otherDevice, sampleMessage, startServer } from './servers.js';

const DAY = 86_400_000;

for (const kind of ['postyard', 'dovecot'] as const) {
  describe(`POP3 sync against ${kind}`, () => {
    let server: MailServer | null = null;
    before(async () => {
      server = await startServer(kind, { pop3: { concurrentSessions: 'snapshot' } });
    });
    after(() => server?.close());

    async function setup(t: { skip(msg: string): void }, count: number) {
      if (!server) {
        t.skip(dovecotUnavailable ?? 'server not available');
        return null;
      }
      const login = await server.newUser();
      const imap = await otherDevice(server, login.user, login.password);
      for (let n = 1; n <= count; n++) await imap.append('INBOX', sampleMessage(n, 'pop3'));
      const device = await newDevice();
      return { login, imap, device };
    }

    async function serverSubjects(imap: ImapFlow): Promise<string[]> {
      const lock = await imap.getMailboxLock('INBOX');
      try {
        await imap.noop(); // lets the server report expunges by other sessions
        const found: string[] = [];
        if ((imap.mailbox as { exists: number }).exists === 0) return found;
        for await (const m of imap.fetch('1:*', { envelope: true })) found.push(m.envelope?.subject ?? '?');
        return found.sort();
      } finally {
        lock.release();
      }
    }

    test('downloads every message once, unstuffed, and keeps them on the server with --keep', async (t) => {
      const s = await setup(t, 3);
      if (!s) return;
      try {
        const account = accountFor(server!, 'pop3', s.login, s.device);
        const first = await runPop3({ account, password: s.login.password, state: s.device.state });
        assert.equal(first.downloaded, 3);
        assert.equal(first.deleted, 0);
        const files = await maildirFiles(s.device.maildir);
        assert.deepEqual(subjects(files), ['Message 1', 'Message 2', 'Message 3']);
        for (const text of files.values()) assert.match(text, /\r\n\.A line starting with a dot\.\r\n/);
        assert.ok(
          [...files.keys()].every((name) => name.startsWith('new/')),
          'unread mail lands in new/',
        );

        const again = await runPop3({ account, password: s.login.password, state: s.device.state });
        assert.equal(again.downloaded, 0);
        assert.equal((await maildirFiles(s.device.maildir)).size, 3);
        assert.equal((await serverSubjects(s.imap)).length, 3);
      } finally {
        await s.imap.logout();
        await s.device.close();
      }
    });

    test('--leave-days 7 deletes exactly what was stored 7 days ago (injected clock)', async (t) => {
      const s = await setup(t, 2);
      if (!s) return;
      try {
        const account = accountFor(server!, 'pop3', s.login, s.device, { kind: 'leave-days', days: 7 });
        const start = Date.UTC(2030, 0, 1);
        const at = (days: number) => ({
          account,
          password: s.login.password,
          state: s.device.state,
          clock: () => start + days * DAY,
        });
        assert.equal((await runPop3(at(0))).downloaded, 2);
        await s.imap.append('INBOX', sampleMessage(3, 'pop3'));
        const day5 = await runPop3(at(5));
        assert.deepEqual([day5.downloaded, day5.deleted], [1, 0]);
        const day7 = await runPop3(at(7));
        assert.deepEqual([day7.downloaded, day7.deleted], [0, 2], 'messages 1 and 2 are 7 days old');
        assert.deepEqual(await serverSubjects(s.imap), ['Message 3']);
        const day11 = await runPop3(at(11.9));
        assert.equal(day11.deleted, 0, 'message 3 was stored on day 5: 6.9 days');
        const day12 = await runPop3(at(12));
        assert.equal(day12.deleted, 1);
        assert.deepEqual(await serverSubjects(s.imap), []);
        assert.deepEqual(subjects(await maildirFiles(s.device.maildir)), [
          'Message 1',
          'Message 2',
          'Message 3',
        ]);
        assert.equal(s.device.state.pop3.records(account.name).size, 1, 'kept until a listing lacks it');
        await runPop3(at(13));
        assert.equal(s.device.state.pop3.records(account.name).size, 0, 'deleted UIDLs are forgotten');
      } finally {
        await s.imap.logout();
        await s.device.close();
      }
    });

    test('a connection cut in the middle of RETR stores nothing partial and deletes nothing', async (t) => {
      const s = await setup(t, 3);
      if (!s) return;
      const proxy = new CutProxy(server!.pop3Port);
      const port = await proxy.start();
      try {
        await s.imap.append(
          'INBOX',
          Buffer.concat([sampleMessage(4, 'big'), Buffer.alloc(300_000, 'x\r\n')]),
        );
        const account = accountFor(server!, 'pop3', s.login, s.device, { kind: 'delete' }, port);
        const options = { account, password: s.login.password, state: s.device.state };
        // Greeting, login, listings and three small messages are well under 150 kB: the cut is in message 4.
        proxy.cutAfter = 150_000;
        await assert.rejects(runPop3(options), /connection|closed/i);
        const partial = await maildirFiles(s.device.maildir);
        assert.deepEqual(subjects(partial), ['Message 1', 'Message 2', 'Message 3']);
        assert.equal(proxy.count(/^DELE /), 0, 'no DELE on a broken run');
        assert.equal((await serverSubjects(s.imap)).length, 4);

        const resumed = await runPop3(options);
        assert.deepEqual([resumed.downloaded, resumed.deleted], [1, 4]);
        const files = await maildirFiles(s.device.maildir);
        assert.deepEqual(subjects(files), ['Message 1', 'Message 2', 'Message 3', 'Message 4']);
        const big = [...files.values()].find((text) => text.includes('Message 4'))!;
        assert.ok(big.length > 300_000, 'the whole message');
        assert.deepEqual(await serverSubjects(s.imap), []);
      } finally {
        await proxy.close();
        await s.imap.logout();
        await s.device.close();
      }
    });

    test('a crash between the local store and the state write causes no duplicate', async (t) => {
      const s = await setup(t, 3);
      if (!s) return;
      try {
        const account = accountFor(server!, 'pop3', s.login, s.device, { kind: 'delete' });
        let stores = 0;
        const crash = {
          afterStore() {
            if (++stores === 2) throw new Error('simulated crash');
          },
        };
        const options = { account, password: s.login.password, state: s.device.state };
        await assert.rejects(runPop3({ ...options, faults: crash }), /simulated crash/);
        // Message 2 is on disk but not in the state; message 3 may have been stored meanwhile.
        const onDisk = (await maildirFiles(s.device.maildir)).size;
        assert.ok(onDisk >= 2, `${onDisk} files`);
        assert.equal((await serverSubjects(s.imap)).length, 3, 'nothing deleted');

        const after = await runPop3(options);
        assert.equal(after.downloaded, 3 - onDisk, 'message 2 is adopted, not downloaded again');
        assert.equal(after.deleted, 3);
        assert.deepEqual(subjects(await maildirFiles(s.device.maildir)), [
          'Message 1',
          'Message 2',
          'Message 3',
        ]);
      } finally {
        await s.imap.logout();
        await s.device.close();
      }
    });
  });
}
