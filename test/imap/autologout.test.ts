/** Autologout after config.limits.imapIdleTimeout (RFC 9051 §5.4); a session in IDLE is kept. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ limits: { imapIdleTimeout: 0.3 } });
  await srv.addUser('idle@example.com', 'pw');
});
after(() => srv.close());

test('an idle connection gets BYE and is closed', async () => {
  const c = await connect(srv.ports.imap as number);
  await c.readLine();
  const lines = await c.readUntil(/^\* BYE/, 5000);
  assert.match(lines.at(-1) ?? '', /Autologout/);
  await c.waitClosed();
});

test('IDLE keeps the connection beyond the timeout', async () => {
  const c = await connect(srv.ports.imap as number);
  await c.readLine();
  c.send('a LOGIN idle@example.com pw');
  await c.readUntil(/^a /);
  c.send('b SELECT INBOX');
  await c.readUntil(/^b /);
  c.send('c IDLE');
  assert.match(await c.readLine(), /^\+/);
  // The reference for "beyond the timeout" is an event, not a sleep: a connection opened now gets its
  // autologout after the same timeout. Timers of one duration fire in the order they were (re)started,
  // and the idling session's timer was last restarted by the IDLE command, before this connection
  // existed: had IDLE not stopped it, that session would have been sent its BYE first.
  const reference = await connect(srv.ports.imap as number);
  await reference.readLine();
  assert.match((await reference.readUntil(/^\* BYE/, 5000)).at(-1) ?? '', /Autologout/);
  await reference.waitClosed();
  c.send('DONE');
  assert.deepEqual(await c.readUntil(/^c /), ['c OK IDLE terminated'], 'no BYE while idling');
  await c.close();
});

test('IMAPS (implicit TLS): no STARTTLS offered, LOGIN works', async () => {
  const c = await connect(srv.ports.imaps as number, { tls: true });
  const greeting = await c.readLine();
  assert.match(greeting, /^\* OK /);
  assert.doesNotMatch(greeting, /STARTTLS|LOGINDISABLED/);
  c.send('a LOGIN idle@example.com pw');
  assert.match((await c.readUntil(/^a /)).at(-1) ?? '', /^a OK/);
  c.send('b STARTTLS');
  assert.match((await c.readUntil(/^b /)).at(-1) ?? '', /^b BAD/);
  await c.close();
});

test('limits.maxConnectionsPerUser: one login too many gets NO [LIMIT]', async (t) => {
  const limited = await startTestServer({ limits: { maxConnectionsPerUser: 2 } });
  t.after(() => limited.close());
  await limited.addUser('many@example.com', 'pw');
  const clients = [];
  for (let i = 0; i < 3; i++) {
    const c = await connect(limited.ports.imap as number);
    await c.readLine();
    c.send(`l${i} LOGIN many@example.com pw`);
    clients.push({ c, answer: (await c.readUntil(new RegExp(`^l${i} `))).at(-1) ?? '' });
  }
  assert.deepEqual(
    clients.map((x) => x.answer.split(' ').slice(1, 3).join(' ')),
    ['OK [CAPABILITY', 'OK [CAPABILITY', 'NO [LIMIT]'],
  );
  await clients[0]?.c.close();
  // The slot is released when the server sees the close: wait for that, then log in once.
  const account = (await limited.ctx.store.getAccount('many@example.com'))!;
  await waitUntil(
    () => limited.ctx.userConnections!.count('imap', account.id) < 2,
    "the server to release the closed session's slot",
  );
  const again = clients[2]?.c as (typeof clients)[0]['c'];
  again.send('r LOGIN many@example.com pw');
  assert.match((await again.readUntil(/^r /)).at(-1) ?? '', /^r OK /);
  for (const x of clients) await x.c.close();
});
