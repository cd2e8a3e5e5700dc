/**
 * `postyard sync` in IMAP mode against Postyard and the reference Dovecot: initial sync, changes on
 * each side in one run, offline edits replayed, the deletion rules, a UIDVALIDITY change, and a
 * QRESYNC resync after 10 changes that fetches only those (commands counted on the wire).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { UnreachableError } from '../../src/sync/errors.js';
import { emptyCounts } from '../../src/sync/imap/report.js';
import { runImap } from '../../src/sync/imap/sync.js';
import { CutProxy } from './cut-proxy.js';
import { accountFor, type Device, newDevice } from './helpers.js';
import {
  deleteLocal,
  localFile,
  localFiles,
  localSubjects,
  moveLocal,
  serverMessages,
  serverSubjects,
  setLocalFlags,
  writeLocal,
} from './imap-helpers.js';
import { dovecotUnavailable, type MailServer, otherDevice, sampleMessage, startServer } from './servers.js';

for (const kind of ['postyard', 'dovecot'] as const) {
  describe(`IMAP sync against ${kind}`, () => {
    let server: MailServer | null = null;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server?.close());

    async function setup(t: { skip(msg: string): void }) {
      if (!server) {
        t.skip(dovecotUnavailable ?? 'server not available');
        return null;
      }
      const login = await server.newUser();
      const imap = await otherDevice(server, login.user, login.password);
      const device = await newDevice();
      const account = accountFor(server, 'imap', login, device);
      const run = (port?: number) =>
        runImap({
          account: port ? { ...account, port } : account,
          password: login.password,
          state: device.state,
        });
      return { login, imap, device, account, run };
    }

    async function teardown(s: { imap: ImapFlow; device: Device }) {
      await s.imap.logout().catch(() => {});
      await s.device.close();
    }

    test('initial sync: every folder, flags in the file names, then a no-change run selects nothing', async (t) => {
      const s = await setup(t);
      if (!s) return;
      try {
        await s.imap.mailboxCreate('Work/Projects');
        await s.imap.append('INBOX', sampleMessage(1), ['\\Seen']);
        await s.imap.append('INBOX', sampleMessage(2), ['\\Flagged', '\\Answered', 'Important']);
        await s.imap.append('INBOX', sampleMessage(3));
        await s.imap.append('Work/Projects', sampleMessage(4), ['\\Seen']);
        const report = await s.run();
        assert.equal(report.counts.downloaded, 4);
        const inbox = await localFiles(s.device.maildir, 'INBOX');
        assert.deepEqual(
          inbox.map((f) => [f.subject, f.info]),
          [
            ['Message 1', 'S'],
            ['Message 2', 'FR'],
            ['Message 3', ''],
          ],
        );
        assert.match(inbox[2]!.path, /\/new\//, 'unseen mail without flags waits in new/');
        assert.deepEqual(await localSubjects(s.device.maildir, 'Work/Projects'), ['Message 4']);
        const records = [...s.device.state.imap.messages(s.account.name, 'INBOX').values()];
        assert.deepEqual(records.find((r) => r.flags.includes('\\Flagged'))?.keywords, ['Important']);

        const again = await s.run();
        assert.deepEqual(again.counts, { ...report.counts, ...emptyCounts() });
        if (kind === 'postyard')
          assert.equal(again.unchangedFolders, again.folders, 'LIST-STATUS: no SELECT needed');
      } finally {
        await teardown(s);
      }
    });

    test('changes on each side propagate in one run', async (t) => {
      const s = await setup(t);
      if (!s) return;
      try {
        for (let n = 1; n <= 4; n++) await s.imap.append('INBOX', sampleMessage(n));
        await s.run();
        // Server side: a new message, \Seen on 1, message 2 expunged.
        await s.imap.append('INBOX', sampleMessage(5));
        await s.imap.mailboxOpen('INBOX');
        const uids = (await serverMessages(s.imap, 'INBOX')).map((m) => m.uid);
        await s.imap.mailboxOpen('INBOX');
        await s.imap.messageFlagsAdd(String(uids[0]), ['\\Seen'], { uid: true });
        await s.imap.messageDelete(String(uids[1]), { uid: true });
        await s.imap.mailboxClose();
        // Local side: \Flagged on 3, message 4 deleted, a new message written into the Maildir.
        await setLocalFlags(await localFile(s.device.maildir, 'INBOX', 'Message 3'), 'F');
        await deleteLocal(await localFile(s.device.maildir, 'INBOX', 'Message 4'));
        await writeLocal(s.device.maildir, 'INBOX', 'local-6', sampleMessage(6), 'S');

        const report = await s.run();
        assert.deepEqual(
          (await serverMessages(s.imap, 'INBOX')).map((m) => [
            m.subject,
            m.flags.filter((f) => f !== '\\Recent'),
          ]),
          [
            ['Message 1', ['\\Seen']],
            ['Message 3', ['\\Flagged']],
            ['Message 5', []],
            ['Message 6', ['\\Seen']],
          ],
        );
        assert.deepEqual(
          (await localFiles(s.device.maildir, 'INBOX')).map((f) => [f.subject, f.info]),
          [
            ['Message 1', 'S'],
            ['Message 3', 'F'],
            ['Message 5', ''],
            ['Message 6', 'S'],
          ],
        );
        assert.deepEqual(
          [
            report.counts.downloaded,
            report.counts.uploaded,
            report.counts.deletedOnServer,
            report.counts.deletedLocally,
          ],
          [1, 1, 1, 1],
        );
        const quiet = await s.run();
        assert.deepEqual(quiet.counts, emptyCounts(), 'nothing left to do');
      } finally {
        await teardown(s);
      }
    });

    test('offline edits are recorded, then replayed when the server is back', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const proxy = new CutProxy(server!.imapPort);
      const port = await proxy.start();
      try {
        await s.imap.mailboxCreate('Archive/2024').catch(() => {});
        for (let n = 1; n <= 4; n++) await s.imap.append('INBOX', sampleMessage(n));
        await s.run();
        await s.imap.mailboxCreate('Projects');
        await s.run();
        await proxy.close(); // offline from here on: the proxy's port refuses connections

        await setLocalFlags(await localFile(s.device.maildir, 'INBOX', 'Message 1'), 'RS');
        await deleteLocal(await localFile(s.device.maildir, 'INBOX', 'Message 2'));
        await moveLocal(
          await localFile(s.device.maildir, 'INBOX', 'Message 3'),
          s.device.maildir,
          'Projects',
        );
        await writeLocal(s.device.maildir, 'Drafts', 'draft-7', sampleMessage(7, 'draft'), 'D');
        await assert.rejects(s.run(port), UnreachableError);
        const pending = s.device.state.imap.pending(s.account.name);
        assert.deepEqual(
          pending.map((p) => [p.kind, p.folder]),
          [
            ['move', 'INBOX'],
            ['append', 'Drafts'],
            ['flags', 'INBOX'],
            ['delete', 'INBOX'],
          ],
        );

        const report = await s.run();
        assert.equal(report.counts.moved, 1);
        assert.deepEqual(await serverSubjects(s.imap, 'INBOX'), ['Message 1', 'Message 4']);
        assert.deepEqual(await serverSubjects(s.imap, 'Projects'), ['Message 3']);
        assert.deepEqual(await serverSubjects(s.imap, 'Drafts'), ['Message 7']);
        const inbox = await serverMessages(s.imap, 'INBOX');
        assert.deepEqual(
          inbox[0]!.flags.filter((f) => f !== '\\Recent'),
          ['\\Answered', '\\Seen'],
        );
        assert.deepEqual(
          (await serverMessages(s.imap, 'Drafts'))[0]!.flags.filter((f) => f !== '\\Recent'),
          ['\\Draft'],
        );
        assert.deepEqual(s.device.state.imap.pending(s.account.name), []);
        assert.deepEqual((await s.run()).counts, emptyCounts());
        assert.equal(
          (await localFiles(s.device.maildir, 'Projects')).length,
          1,
          'the move downloaded nothing',
        );
      } finally {
        await proxy.close();
        await teardown(s);
      }
    });

    test('a deletion never destroys a message changed on the other side', async (t) => {
      const s = await setup(t);
      if (!s) return;
      try {
        for (let n = 1; n <= 2; n++) await s.imap.append('INBOX', sampleMessage(n));
        await s.run();
        const [one, two] = await serverMessages(s.imap, 'INBOX');
        // 1: deleted here, flagged there. 2: expunged there, flagged here.
        await deleteLocal(await localFile(s.device.maildir, 'INBOX', 'Message 1'));
        await s.imap.mailboxOpen('INBOX');
        await s.imap.messageFlagsAdd(String(one!.uid), ['\\Flagged'], { uid: true });
        await s.imap.messageDelete(String(two!.uid), { uid: true });
        await s.imap.mailboxClose();
        await setLocalFlags(await localFile(s.device.maildir, 'INBOX', 'Message 2'), 'F');

        const report = await s.run();
        assert.equal(report.counts.restored, 1);
        assert.equal(report.counts.uploaded, 1);
        assert.equal(report.notes.length, 2, report.notes.join('\n'));
        assert.deepEqual(await serverSubjects(s.imap, 'INBOX'), ['Message 1', 'Message 2']);
        assert.deepEqual(
          (await localFiles(s.device.maildir, 'INBOX')).map((f) => [f.subject, f.info]),
          [
            ['Message 1', 'F'],
            ['Message 2', 'F'],
          ],
        );
      } finally {
        await teardown(s);
      }
    });

    test('UIDVALIDITY change: re-matched by Message-ID and size, no duplicates, no deletions', async (t) => {
      const s = await setup(t);
      if (!s) return;
      try {
        await s.imap.mailboxCreate('Lists');
        for (let n = 1; n <= 3; n++) await s.imap.append('Lists', sampleMessage(n, 'list'));
        await s.run();
        const before = s.device.state.imap.folders(s.account.name).find((f) => f.name === 'Lists')!;
        // The server loses the folder and gets it back (a restore): new UIDVALIDITY, message 3 missing.
        await s.imap.mailboxDelete('Lists');
        await s.imap.mailboxCreate('Lists');
        for (const n of [1, 2, 4]) await s.imap.append('Lists', sampleMessage(n, 'list'));
        await setLocalFlags(await localFile(s.device.maildir, 'Lists', 'Message 2'), 'S');

        const report = await s.run();
        const after = s.device.state.imap.folders(s.account.name).find((f) => f.name === 'Lists')!;
        assert.notEqual(after.uidValidity, before.uidValidity);
        assert.ok(
          report.notes.some((n) =>
            /UIDVALIDITY changed .*2 messages re-matched.*1 to upload again, 1 downloaded/.test(n),
          ),
          report.notes.join('\n'),
        );
        assert.deepEqual(await serverSubjects(s.imap, 'Lists'), [
          'Message 1',
          'Message 2',
          'Message 3',
          'Message 4',
        ]);
        assert.deepEqual(await localSubjects(s.device.maildir, 'Lists'), [
          'Message 1',
          'Message 2',
          'Message 3',
          'Message 4',
        ]);
        const two = (await serverMessages(s.imap, 'Lists')).find((m) => m.subject === 'Message 2')!;
        assert.ok(two.flags.includes('\\Seen'), 'the local flag change survives');
        assert.deepEqual((await s.run()).counts, emptyCounts());
      } finally {
        await teardown(s);
      }
    });

    test('QRESYNC: a resync after 10 changes fetches only those (commands counted)', async (t) => {
      const s = await setup(t);
      if (!s) return;
      const proxy = new CutProxy(server!.imapPort);
      // The proxy counts the client's commands: it must see them uncompressed.
      proxy.hideCapabilities = ['COMPRESS=DEFLATE'];
      const port = await proxy.start();
      try {
        for (let n = 1; n <= 40; n++) await s.imap.append('INBOX', sampleMessage(n));
        await s.run(port);
        // 10 changes: 5 flag changes, 3 new messages, 2 expunges.
        await s.imap.mailboxOpen('INBOX');
        const uids = (await serverMessages(s.imap, 'INBOX')).map((m) => m.uid).sort((a, b) => a - b);
        await s.imap.mailboxOpen('INBOX');
        await s.imap.messageFlagsAdd(uids.slice(0, 5).join(','), ['\\Seen'], { uid: true });
        await s.imap.messageDelete(uids.slice(10, 12).join(','), { uid: true });
        for (let n = 41; n <= 43; n++) await s.imap.append('INBOX', sampleMessage(n));
        await s.imap.mailboxClose();

        const firstRunLines = proxy.clientLines.length;
        const report = await s.run(port);
        const lines = proxy.clientLines.slice(firstRunLines);
        assert.deepEqual(
          [report.counts.downloaded, report.counts.flagsToLocal, report.counts.deletedLocally],
          [3, 5, 2],
        );
        const selects = lines.filter((l) => /^\S+ SELECT "?INBOX"?/i.test(l));
        assert.equal(selects.length, 1, lines.join('\n'));
        assert.match(selects[0]!, /\(QRESYNC \(\d+ \d+\)\)/, 'SELECT with QRESYNC parameters');
        const fetches = lines.filter((l) => /^\S+ (UID )?FETCH /i.test(l));
        assert.equal(fetches.length, 1, `one FETCH, for the new messages only:\n${fetches.join('\n')}`);
        assert.match(fetches[0]!, new RegExp(`UID FETCH ${uids.at(-1)! + 1}:\\*`));
        assert.equal(lines.filter((l) => /^\S+ (UID )?SEARCH /i.test(l)).length, 0);
        assert.deepEqual((await localFiles(s.device.maildir, 'INBOX')).length, 41);
      } finally {
        await proxy.close();
        await teardown(s);
      }
    });
  });
}
