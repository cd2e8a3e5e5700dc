/** Autologout after config.limits.imapIdleTimeout (RFC 9051 §5.4); a session in IDLE is kept. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

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
  await sleep(800);
  c.send('DONE');
  assert.match((await c.readUntil(/^c /)).at(-1) ?? '', /^c OK/);
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
