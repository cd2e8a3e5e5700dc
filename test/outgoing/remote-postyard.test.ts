/**
 * Two Postyards on loopback: the sender delivers direct to the MX of remote.test, found through a real
 * DNS server, and that MX is a second Postyard. The message arrives over STARTTLS, in one transaction
 * for both recipients, DKIM-signed with the sender's Ed25519 and RSA keys; mailauth verifies both
 * signatures against the published keys, and the receiving Postyard says so in Authentication-Results.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { dkimVerify } from 'mailauth';
import { generateDkimKey } from '../../src/server/outgoing/dkim.js';
import type { Store } from '../../src/store/store.js';
import { resolverFor, startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { attempts, submit } from './helpers.js';

const alice = { login: 'alice@example.org', password: 'alice-secret' };

let dns: TestDnsServer;
let remote: TestServer;
let sender: TestServer;

before(async () => {
  dns = await startDnsServer({
    'remote.test': { MX: [{ exchange: 'mx.remote.test', priority: 10 }] },
    'mx.remote.test': { A: ['127.0.0.1'] },
    'example.org': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    '_dmarc.example.org': { TXT: ['v=DMARC1; p=reject'] },
  });
  remote = await startTestServer({
    localDomains: ['remote.test'],
    delivery: { authenticationResults: true },
    outgoing: { dnsServers: [dns.address] },
  });
  await remote.addUser('bob@remote.test', 'bob-secret');
  await remote.addUser('carol@remote.test', 'carol-secret');
  sender = await startTestServer({
    localDomains: ['example.org'],
    outgoing: { mode: 'direct', dnsServers: [dns.address], mxPort: remote.ports.smtp! },
  });
  await sender.addUser(alice.login, alice.password);
  for (const [selector, algorithm] of [
    ['ed', 'ed25519'],
    ['rsa', 'rsa'],
  ] as const) {
    const { txt } = await generateDkimKey(sender.dataDir, 'example.org', selector, algorithm);
    dns.zone[`${selector}._domainkey.example.org`] = { TXT: [txt] };
  }
});

after(async () => {
  await sender?.close();
  await remote?.close();
  await dns?.close();
});

async function inbox(store: Store, login: string): Promise<string[]> {
  const account = await store.getAccount(login);
  const box = await store.getMailbox(account!.id, 'INBOX');
  const index = await store.getIndex(box!.id);
  const records = await store.getMessages(box!.id, [...index.uids]);
  return Promise.all(records.map(async (r) => (await store.blobs.read(r.blobId)).toString('latin1')));
}

test('delivered to the remote MX over STARTTLS, one transaction, DKIM verified by mailauth', async () => {
  const seen = attempts(sender.server.outgoing.events);
  const reply = await submit(sender.ports.submission!, alice, {
    from: alice.login,
    headerFrom: `Alice <${alice.login}>`,
    to: ['bob@remote.test', 'carol@remote.test'],
    subject: 'hello remote',
  });
  assert.match(reply, /^250 .*queued as/);
  const [report] = await seen.next();
  seen.stop();
  assert.deepEqual(
    report!.outcomes.map((o) => [o.address, o.outcome]),
    [
      ['bob@remote.test', 'delivered'],
      ['carol@remote.test', 'delivered'],
    ],
    'both recipients in the one attempt',
  );
  assert.equal(report!.secure, true, 'STARTTLS was used');

  const [received] = await inbox(remote.ctx.store, 'bob@remote.test');
  assert.ok(received, 'bob got it');
  assert.equal((await inbox(remote.ctx.store, 'carol@remote.test')).length, 1, 'carol got it');
  assert.match(received, /with ESMTPS id /, 'the MX saw TLS');
  assert.match(received, /^Subject: hello remote$/m);

  const verified = await dkimVerify(Buffer.from(received, 'latin1'), { resolver: resolverFor(dns) });
  const results = verified.results.map((r) => [
    r.signingDomain,
    r.status.result,
    (r as { algo?: string }).algo,
  ]);
  assert.deepEqual(
    results.sort(),
    [
      ['example.org', 'pass', 'ed25519-sha256'],
      ['example.org', 'pass', 'rsa-sha256'],
    ],
    JSON.stringify(verified.results.map((r) => r.status)),
  );
  // The receiving Postyard checked it too (and SPF, DMARC), and rejected nothing.
  assert.match(received, /^Authentication-Results: mail\.postyard\.test;.*dkim=pass/ms);
  assert.match(received, /spf=pass/);
  assert.match(received, /dmarc=pass/);
});

test('a forged From: is refused at submission with 553 5.7.1, and nothing is queued', async () => {
  await assert.rejects(
    submit(sender.ports.submission!, alice, {
      from: alice.login,
      headerFrom: 'ceo@example.org',
      to: ['bob@remote.test'],
      subject: 'forged',
    }),
    /553 5\.7\.1/,
  );
  await assert.rejects(
    submit(sender.ports.submission!, alice, {
      from: 'ceo@example.org',
      to: ['bob@remote.test'],
      subject: 'forged envelope',
    }),
    /553 5\.7\.1/,
  );
  assert.equal((await sender.ctx.store.queueSummary()).messages, 0);
});
