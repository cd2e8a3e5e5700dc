/**
 * Transport security against Postyard's self-signed certificate: POP3 with STLS and over implicit TLS,
 * IMAP with STARTTLS and over implicit TLS. The certificate is verified unless the account says
 * `insecure`: a self-signed certificate is refused by default.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import type { AccountConfig } from '../../src/sync/account.js';
import { UnreachableError } from '../../src/sync/errors.js';
import { runImap } from '../../src/sync/imap/sync.js';
import { runPop3 } from '../../src/sync/pop3/sync.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { type Device, newDevice } from './helpers.js';
import { sampleMessage } from './servers.js';

let srv: TestServer;
const USER = 'tls@example.com';
before(async () => {
  srv = await startTestServer();
  await srv.addUser(USER, 'secret');
  const imap = new ImapFlow({
    host: '127.0.0.1',
    port: srv.ports.imap!,
    secure: false,
    auth: { user: USER, pass: 'secret' },
    logger: false,
    tls: { rejectUnauthorized: false },
  });
  await imap.connect();
  await imap.append('INBOX', sampleMessage(1, 'tls'));
  await imap.logout();
});
after(() => srv.close());

function account(
  device: Device,
  protocol: 'imap' | 'pop3',
  security: AccountConfig['security'],
  port: number,
  insecure = true,
): AccountConfig {
  const config: AccountConfig = {
    name: `${protocol}-${security}-${insecure}`,
    protocol,
    host: '127.0.0.1',
    port,
    user: USER,
    security,
    insecure,
    maildir: device.maildir,
    password: { kind: 'file' },
    policy: { kind: 'keep' },
    folders: ['INBOX'],
  };
  device.state.addAccount(config);
  return config;
}

for (const [protocol, security] of [
  ['pop3', 'starttls'],
  ['pop3', 'tls'],
  ['imap', 'starttls'],
  ['imap', 'tls'],
] as const) {
  test(`${protocol.toUpperCase()} over ${security === 'tls' ? 'implicit TLS' : 'STARTTLS'}`, async (t) => {
    const device = await newDevice();
    t.after(() => device.close());
    const port = srv.ports[security === 'tls' ? `${protocol}s` : protocol]!;
    const run = (config: AccountConfig) =>
      protocol === 'pop3'
        ? runPop3({ account: config, password: 'secret', state: device.state }).then((r) => r.downloaded)
        : runImap({ account: config, password: 'secret', state: device.state }).then(
            (r) => r.counts.downloaded,
          );
    await assert.rejects(run(account(device, protocol, security, port, false)), (err: unknown) => {
      return err instanceof UnreachableError || /certificate/i.test((err as Error).message);
    });
    assert.equal(await run(account(device, protocol, security, port)), 1);
  });
}
