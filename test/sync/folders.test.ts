/**
 * Folder changes both ways in IMAP mode (Postyard and Dovecot): a folder created, renamed or deleted on
 * one side follows on the other in the next run; a deletion of a folder changed on the other side
 * recreates it instead. Also: a crash between a download's file and its state record.
 */
import assert from 'node:assert/strict';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runImap } from '../../src/sync/imap/sync.js';
import { accountFor, newDevice } from './helpers.js';
import {
  folderDir,
  localFile,
  localFiles,
  localSubjects,
  serverSubjects,
  setLocalFlags,
  writeLocal,
} from './imap-helpers.js';
import { dovecotUnavailable, type MailServer, otherDevice, sampleMessage, startServer } from './servers.js';

for (const kind of ['postyard', 'dovecot'] as const) {
  describe(`IMAP folders against ${kind}`, () => {
    let server: MailServer | null = null;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server?.close());

    async function setup(t: { skip(msg: string): void; after(fn: () => Promise<void>): void }) {
      if (!server) {
        t.skip(dovecotUnavailable ?? 'server not available');
        return null;
      }
      const login = await server.newUser();
      const imap = await otherDevice(server, login.user, login.password);
      const device = await newDevice();
      t.after(async () => {
        await imap.logout().catch(() => {});
        await device.close();
      });
      const account = accountFor(server, 'imap', login, device);
      const run = (faults?: { afterStore?(id: string): void }) =>
        runImap({ account, password: login.password, state: device.state, faults });
      const serverFolders = async () =>
        (await imap.list())
          .map((f) => f.path)
          .filter((p) => !['INBOX', 'Drafts', 'Sent', 'Trash', 'Junk', 'Archive'].includes(p))
          .sort();
      return { imap, device, run, serverFolders };
    }

    test('created, renamed and deleted on either side', async (t) => {
      const s = await setup(t);
      if (!s) return;
      await s.imap.mailboxCreate('Projects');
      await s.imap.append('Projects', sampleMessage(1, 'p'));
      await s.imap.mailboxCreate('Old');
      await s.imap.append('Old', sampleMessage(2, 'o'));
      await s.imap.mailboxCreate('Gone');
      await s.run();
      assert.deepEqual(await localSubjects(s.device.maildir, 'Projects'), ['Message 1']);

      // Local: a new folder with a message, "Projects" renamed to "Clients", "Gone" removed.
      const maildir = s.device.maildir;
      for (const sub of ['cur', 'new', 'tmp'])
        await mkdir(join(folderDir(maildir, 'Notes'), sub), { recursive: true });
      await writeLocal(maildir, 'Notes', 'note-3', sampleMessage(3, 'n'), 'S');
      await rename(folderDir(maildir, 'Projects'), folderDir(maildir, 'Clients'));
      await rm(folderDir(maildir, 'Gone'), { recursive: true });
      // Server: "Old" renamed to "Older", a new folder "Lists".
      await s.imap.mailboxRename('Old', 'Older');
      await s.imap.mailboxCreate('Lists');
      await s.imap.append('Lists', sampleMessage(4, 'l'));

      const report = await s.run();
      assert.deepEqual(await s.serverFolders(), ['Clients', 'Lists', 'Notes', 'Older']);
      assert.deepEqual(await serverSubjects(s.imap, 'Clients'), ['Message 1']);
      assert.deepEqual(await serverSubjects(s.imap, 'Notes'), ['Message 3']);
      assert.deepEqual(await localSubjects(maildir, 'Older'), ['Message 2']);
      assert.deepEqual(await localSubjects(maildir, 'Lists'), ['Message 4']);
      assert.deepEqual(await localFiles(maildir, 'Old'), []);
      assert.equal(report.counts.foldersRenamed, 2);
      assert.equal(report.counts.downloaded, 1, 'renames move nothing over the wire');
      assert.equal(report.counts.uploaded, 1);

      // Server deletes "Lists" (unchanged here: removed here too); here "Older" is deleted but it changed there.
      await s.imap.mailboxDelete('Lists');
      await rm(folderDir(maildir, 'Older'), { recursive: true });
      await s.imap.append('Older', sampleMessage(5, 'o'));
      const last = await s.run();
      assert.deepEqual(await localFiles(maildir, 'Lists'), []);
      assert.deepEqual(
        await localSubjects(maildir, 'Older'),
        ['Message 2', 'Message 5'],
        'recreated, not deleted',
      );
      assert.deepEqual(await serverSubjects(s.imap, 'Older'), ['Message 2', 'Message 5']);
      assert.ok(
        last.notes.some((n) => /Older: deleted here but changed on the server/.test(n)),
        last.notes.join('\n'),
      );
      assert.deepEqual((await s.run()).counts.foldersDeleted, 0);
    });

    test('a local folder deleted while its messages changed on the server stays; one deleted on the server while changed here is recreated', async (t) => {
      const s = await setup(t);
      if (!s) return;
      await s.imap.mailboxCreate('Keep');
      await s.imap.append('Keep', sampleMessage(1, 'k'));
      await s.run();
      await setLocalFlags(await localFile(s.device.maildir, 'Keep', 'Message 1'), 'F');
      await s.imap.mailboxDelete('Keep');
      const report = await s.run();
      assert.ok(
        report.notes.some((n) => /Keep: deleted on the server but changed here/.test(n)),
        report.notes.join('\n'),
      );
      assert.deepEqual(await serverSubjects(s.imap, 'Keep'), ['Message 1']);
    });

    test('a crash between a downloaded file and its state record: no duplicate, no loss', async (t) => {
      const s = await setup(t);
      if (!s) return;
      for (let n = 1; n <= 5; n++) await s.imap.append('INBOX', sampleMessage(n, 'c'));
      let stores = 0;
      await assert.rejects(
        s.run({
          afterStore() {
            if (++stores === 3) throw new Error('simulated crash');
          },
        }),
        /simulated crash/,
      );
      const report = await s.run();
      assert.deepEqual(
        await localSubjects(s.device.maildir, 'INBOX'),
        [1, 2, 3, 4, 5].map((n) => `Message ${n}`),
      );
      assert.equal(report.counts.uploaded, 0, 'the adopted file is not taken for new local mail');
      assert.deepEqual(
        await serverSubjects(s.imap, 'INBOX'),
        [1, 2, 3, 4, 5].map((n) => `Message ${n}`),
      );
    });
  });
}
