/**
 * Direct-to-MX delivery against a scripted MX found through a real DNS server, with the queue's clock
 * moved by hand: batching per domain, a 451 retried after the first backoff, 550 and expiry bouncing
 * to the sender with an RFC 3464 report, the delay warning, NOTIFY=NEVER, and DSN parameters relayed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualQueueClock } from '../../src/server/outgoing/clock.js';
import type { Store } from '../../src/store/store.js';
import { startDnsServer, type TestDnsServer } from '../helpers/dns-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { attempts, type ScriptedMx, startScriptedMx, submit } from './helpers.js';

const MINUTE = 60_000;
const alice = { login: 'alice@example.org', password: 'alice-secret' };

let dns: TestDnsServer;
let mx: ScriptedMx;
let srv: TestServer;
let clock: ManualQueueClock;

before(async () => {
  mx = await startScriptedMx();
  dns = await startDnsServer({
    'sink.test': { MX: [{ exchange: 'mx.sink.test', priority: 10 }] },
    'mx.sink.test': { A: ['127.0.0.1'] },
    'other.test': { MX: [{ exchange: 'mx.sink.test', priority: 10 }] },
  });
  clock = new ManualQueueClock(Date.UTC(2026, 10, 2, 8, 0, 0));
  srv = await startTestServer(
    {
      localDomains: ['example.org'],
      outgoing: { mode: 'direct', dnsServers: [dns.address], mxPort: mx.port },
    },
    { outgoing: { clock } },
  );
  await srv.addUser(alice.login, alice.password);
});

after(async () => {
  await srv.close();
  await mx.close();
  await dns.close();
});

async function inbox(store: Store, login: string): Promise<string[]> {
  const account = await store.getAccount(login);
  const box = await store.getMailbox(account!.id, 'INBOX');
  const index = await store.getIndex(box!.id);
  const records = await store.getMessages(box!.id, [...index.uids]);
  return Promise.all(records.map(async (r) => (await store.blobs.read(r.blobId)).toString('utf8')));
}

test('one transaction per domain, and each domain its own', async () => {
  mx.transactions.length = 0;
  const seen = attempts(srv.server.outgoing.events);
  const reply = await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['a@sink.test', 'b@sink.test', 'c@other.test'],
    subject: 'batching',
  });
  assert.match(reply, /^250 .*queued as \d+/);
  await seen.next(2);
  seen.stop();
  const batches = mx.transactions.map((t) => t.to.sort().join(' ')).sort();
  assert.deepEqual(batches, ['a@sink.test b@sink.test', 'c@other.test']);
  assert.equal(mx.transactions[0]!.from, alice.login);
  assert.match(mx.transactions[0]!.body, /^Received: from .*\tby mail\.postyard\.test with ESMTPS?A /s);
  assert.deepEqual(await srv.ctx.store.queueSummary(), {
    messages: 0,
    recipients: 0,
    bytes: 0,
    oldest: null,
  });
});

test('451 is retried after the first backoff and then delivered', async () => {
  mx.transactions.length = 0;
  let refusals = 0;
  mx.rcptReply = (rcpt) =>
    rcpt === 'later@sink.test' && refusals++ === 0 ? [451, '4.3.0 Try again later'] : null;
  const seen = attempts(srv.server.outgoing.events);
  await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['later@sink.test'],
    subject: 'retry',
  });
  const [first] = await seen.next();
  assert.equal(first!.outcomes[0]!.outcome, 'deferred');
  assert.equal(first!.outcomes[0]!.nextAttempt, clock.now() + 5 * MINUTE);
  const [queued] = await srv.ctx.store.listQueue();
  assert.equal(queued!.recipients[0]!.lastReply, '451 4.3.0 Try again later');
  assert.equal(mx.transactions.length, 0);

  clock.advance(5 * MINUTE - 1);
  assert.equal(seen.all.length, 1, 'nothing before the retry time');
  clock.advance(1);
  const [second] = await seen.next();
  seen.stop();
  assert.equal(second!.outcomes[0]!.outcome, 'delivered');
  assert.deepEqual(
    mx.transactions.map((t) => t.to),
    [['later@sink.test']],
  );
  assert.equal((await srv.ctx.store.queueSummary()).messages, 0);
  mx.rcptReply = () => null;
});

test('550 bounces to the sender: multipart/report with the original header, once', async () => {
  mx.rcptReply = (rcpt) => (rcpt === 'nobody@sink.test' ? [550, '5.1.1 No such user here'] : null);
  const before = (await inbox(srv.ctx.store, alice.login)).length;
  const seen = attempts(srv.server.outgoing.events);
  await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['nobody@sink.test', 'fine@sink.test'],
    subject: 'bounce me',
    dsn: { envid: 'env-550', notify: ['FAILURE'] },
  });
  const [report] = await seen.next();
  seen.stop();
  assert.deepEqual(
    report!.outcomes.map((o) => [o.address, o.outcome]),
    [
      ['nobody@sink.test', 'failed'],
      ['fine@sink.test', 'delivered'],
    ],
  );
  const messages = await inbox(srv.ctx.store, alice.login);
  assert.equal(messages.length, before + 1, 'one DSN');
  const dsn = messages.at(-1)!;
  assert.match(dsn, /^Return-Path: <>/m);
  assert.match(dsn, /^From: Mail Delivery System <MAILER-DAEMON@mail\.postyard\.test>/m);
  assert.match(dsn, /Content-Type: multipart\/report; report-type=delivery-status;/);
  assert.match(dsn, /^Original-Envelope-Id: env-550$/m);
  assert.match(dsn, /^Final-Recipient: rfc822; nobody@sink\.test$/m);
  assert.match(dsn, /^Action: failed$/m);
  assert.match(dsn, /^Status: 5\.1\.1$/m);
  assert.match(dsn, /^Diagnostic-Code: smtp; 550 5\.1\.1 No such user here$/m);
  assert.match(dsn, /^Remote-MTA: dns; mx\.sink\.test$/m);
  const status = dsn.slice(
    dsn.indexOf('Content-Type: message/delivery-status'),
    dsn.indexOf('Content-Type: text/rfc822-headers'),
  );
  assert.doesNotMatch(status, /fine@sink\.test/, 'the delivered recipient is not in the report');
  assert.match(dsn, /Content-Type: text\/rfc822-headers\r\n\r\nReceived: from .*Subject: bounce me/s);
  assert.doesNotMatch(dsn, /Body of bounce me/, 'RET=HDRS by default: the header only');
  mx.rcptReply = () => null;
});

test('NOTIFY=NEVER gets no bounce; a recipient that keeps deferring expires with a DSN', async () => {
  mx.rcptReply = (rcpt) => (rcpt.startsWith('busy') ? [452, '4.2.2 Mailbox busy'] : null);
  const before = (await inbox(srv.ctx.store, alice.login)).length;
  const seen = attempts(srv.server.outgoing.events);
  await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['busy-never@sink.test'],
    subject: 'never tell me',
    dsn: { notify: 'NEVER' },
  });
  await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['busy@sink.test'],
    subject: 'expire me',
    dsn: { ret: 'FULL' },
  });
  await seen.next(2);
  // Walk the clock through the schedule: 5, 10, 20, 40, 80, 160, then 240 minutes until 5 days. Both
  // messages arrived together, so they are retried together.
  for (let step = 0; step < 60; step++) {
    const waiting = (await srv.ctx.store.queueSummary()).messages;
    if (waiting === 0) break;
    const next = await srv.ctx.store.nextQueueAttempt();
    clock.advance(next! - clock.now());
    await seen.next(waiting);
  }
  seen.stop();
  assert.equal((await srv.ctx.store.queueSummary()).messages, 0, 'both expired');
  const last = seen.all.at(-1)!;
  assert.equal(last.outcomes[0]!.outcome, 'failed');
  assert.match(last.outcomes[0]!.reply, /452 4\.2\.2 Mailbox busy \(delivery time expired\)/);

  const messages = (await inbox(srv.ctx.store, alice.login)).slice(before);
  // One delay warning after 4 hours and one final DSN, both for "expire me" only (NEVER means never).
  assert.equal(messages.length, 2, messages.map((m) => /^Subject: .*/m.exec(m)?.[0]).join(' | '));
  const [warning, final] = messages;
  assert.match(warning!, /^Subject: Delayed Mail \(still being retried\)/m);
  assert.match(warning!, /^Action: delayed$/m);
  assert.match(warning!, /^Will-Retry-Until: /m);
  assert.match(final!, /^Subject: Undelivered Mail Returned to Sender/m);
  assert.match(final!, /^Action: failed$/m);
  assert.match(final!, /^Status: 4\.4\.7$/m);
  assert.match(final!, /Content-Type: message\/rfc822\r\n\r\nReceived: .*Body of expire me/s, 'RET=FULL');
  const attemptsMade = seen.all.filter((r) => r.outcomes[0]!.address === 'busy@sink.test').length;
  // 120 hours: 5+10+20+40+80+160 min = 5.25 h, then every 4 h: the first attempt, 6 + 28 retries and the last at the expiry itself (36).
  assert.ok(attemptsMade >= 30 && attemptsMade <= 40, `${attemptsMade} attempts`);
  mx.rcptReply = () => null;
});

test('queued DSN parameters go on to an MX that offers DSN', async () => {
  mx.transactions.length = 0;
  const seen = attempts(srv.server.outgoing.events);
  await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['dsn@sink.test'],
    subject: 'pass dsn on',
    dsn: { envid: 'abc123', notify: ['SUCCESS', 'FAILURE'] },
  });
  await seen.next();
  seen.stop();
  assert.equal(mx.transactions[0]!.envid, 'abc123');
  assert.deepEqual(mx.transactions[0]!.notify, [['SUCCESS', 'FAILURE']]);
});

test('the retry schedule is persistent: attempts and next time survive in the store', async () => {
  mx.rcptReply = () => [421, '4.7.0 Not now'];
  const seen = attempts(srv.server.outgoing.events);
  await submit(srv.ports.submission!, alice, {
    from: alice.login,
    to: ['slow@sink.test'],
    subject: 'persist',
  });
  await seen.next();
  const [queued] = await srv.ctx.store.listQueue();
  assert.equal(queued!.recipients[0]!.attempts, 1);
  assert.equal(queued!.recipients[0]!.nextAttempt, clock.now() + 5 * MINUTE);
  mx.rcptReply = () => null;
  clock.advance(5 * MINUTE);
  await seen.next();
  seen.stop();
  assert.equal((await srv.ctx.store.queueSummary()).messages, 0);
});
