/** Autologout after config.limits.imapIdleTimeout (RFC 9051 §5.4); a session in IDLE is kept. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const TIMEOUT_MS = 300;
/** Fast password hashing: logins here must not take long next to a 300 ms autologout. */
const FAST_AUTH = { auth: { scrypt: { N: 1024, r: 8, p: 1 } } };

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ limits: { imapIdleTimeout: TIMEOUT_MS / 1000 } }, FAST_AUTH);
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

test('IDLE keeps the connection beyond the timeout; after DONE the timeout applies again', async (t) => {
  // Fake setTimeout (the server runs in this process): the autologout timer fires only when the test
  // moves the clock, so neither a slow login on a busy machine nor a sleep decides anything.
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const c = await connect(srv.ports.imap as number);
  await c.readLine();
  c.send('a LOGIN idle@example.com pw');
  assert.match((await c.readUntil(/^a /)).at(-1) ?? '', /^a OK/);
  c.send('b SELECT INBOX');
  await c.readUntil(/^b /);
  c.send('c IDLE');
  assert.match(await c.readLine(), /^\+/);
  t.mock.timers.tick(10 * TIMEOUT_MS);
  c.send('DONE');
  assert.deepEqual(await c.readUntil(/^c /), ['c OK IDLE terminated'], 'no BYE while idling');
  // Idle again after DONE: one timeout later it is logged out (the fake clock drives the session's timer).
  t.mock.timers.tick(TIMEOUT_MS);
  assert.match((await c.readUntil(/^\* BYE/)).at(-1) ?? '', /Autologout/);
  await c.waitClosed();
});

test('IMAPS (implicit TLS): no STARTTLS offered, LOGIN works', async (t) => {
  const tls = await startTestServer({}, FAST_AUTH);
  t.after(() => tls.close());
  await tls.addUser('idle@example.com', 'pw');
  const c = await connect(tls.ports.imaps as number, { tls: true });
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
