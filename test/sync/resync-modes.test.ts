/**
 * The three ways a resync finds server changes (RFC 7162), each against Postyard and Dovecot: QRESYNC
 * (covered in imap.test.ts), CONDSTORE only (the proxy hides QRESYNC), and neither (the proxy hides
 * both: a full UID FETCH of the flags). The same changes must be found every way. The proxy reads the
 * client's commands, so it hides COMPRESS=DEFLATE too (imapflow compresses whenever it is offered).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runImap } from '../../src/sync/imap/sync.js';
import { CutProxy } from './cut-proxy.js';
import { accountFor, newDevice } from './helpers.js';
import { localFiles, serverMessages } from './imap-helpers.js';
import { dovecotUnavailable, type MailServer, otherDevice, sampleMessage, startServer } from './servers.js';

const MODES = [
  {
    name: 'CONDSTORE only',
    hide: ['QRESYNC', 'COMPRESS=DEFLATE'],
    // imapflow adds EMAILID where the server has OBJECTID (RFC 8474).
    fetch: /UID FETCH 1:\d+ \(UID FLAGS( EMAILID)?( MODSEQ)?\) \(CHANGEDSINCE \d+\)/,
  },
  {
    name: 'neither (full flag scan)',
    hide: ['QRESYNC', 'CONDSTORE', 'COMPRESS=DEFLATE'],
    fetch: /UID FETCH 1:\d+ \(UID FLAGS( EMAILID)?\)$/,
  },
];

for (const kind of ['postyard', 'dovecot'] as const) {
  describe(`resync without QRESYNC against ${kind}`, () => {
    let server: MailServer | null = null;
    before(async () => {
      server = await startServer(kind);
    });
    after(() => server?.close());

    for (const mode of MODES) {
      test(mode.name, async (t) => {
        if (!server) return t.skip(dovecotUnavailable ?? 'server not available');
        const login = await server.newUser();
        const imap = await otherDevice(server, login.user, login.password);
        const device = await newDevice();
        const proxy = new CutProxy(server.imapPort);
        proxy.hideCapabilities = mode.hide;
        const port = await proxy.start();
        t.after(async () => {
          await proxy.close();
          await imap.logout().catch(() => {});
          await device.close();
        });
        const account = { ...accountFor(server, 'imap', login, device, undefined, port), folders: ['INBOX'] };
        const run = () => runImap({ account, password: login.password, state: device.state });
        for (let n = 1; n <= 6; n++) await imap.append('INBOX', sampleMessage(n));
        await run();
        const uids = (await serverMessages(imap, 'INBOX')).map((m) => m.uid).sort((a, b) => a - b);
        await imap.mailboxOpen('INBOX');
        await imap.messageFlagsAdd(`${uids[0]},${uids[1]}`, ['\\Flagged'], { uid: true });
        await imap.messageDelete(String(uids[2]), { uid: true });
        await imap.append('INBOX', sampleMessage(7));
        await imap.mailboxClose();

        const before = proxy.clientLines.length;
        const report = await run();
        const lines = proxy.clientLines.slice(before);
        assert.ok(!lines.some((l) => /QRESYNC/i.test(l)), `QRESYNC is not used:\n${lines.join('\n')}`);
        assert.ok(
          lines.some((l) => mode.fetch.test(l)),
          lines.join('\n'),
        );
        assert.deepEqual(
          [report.counts.downloaded, report.counts.flagsToLocal, report.counts.deletedLocally],
          [1, 2, 1],
        );
        const local = await localFiles(device.maildir, 'INBOX');
        assert.deepEqual(
          local.map((f) => [f.subject, f.info]),
          [
            ['Message 1', 'F'],
            ['Message 2', 'F'],
            ['Message 4', ''],
            ['Message 5', ''],
            ['Message 6', ''],
            ['Message 7', ''],
          ],
        );
        assert.deepEqual((await run()).counts.downloaded, 0);
      });
    }
  });
}
