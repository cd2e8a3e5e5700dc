/** AUTHENTICATE PLAIN (with SASL-IR) and LOGIN (RFC 9051 §6.2.2, RFC 4959), cancellation, bad input. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, type LineClient } from '../helpers/net.js';
import { type ImapFixture, startImapFixture } from './harness.js';

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function client(): Promise<LineClient> {
  const c = await connect(fx.port);
  await c.readLine();
  return c;
}

test('AUTHENTICATE PLAIN with an initial response, and LOGIN step by step', async () => {
  const { login, password } = fx.users[0] as ImapFixture['users'][0];
  const c = await client();
  c.send(`a AUTHENTICATE PLAIN ${b64(`\0${login}\0${password}`)}`);
  assert.match((await c.readUntil(/^a /)).at(-1) ?? '', /^a OK \[CAPABILITY /);
  await c.close();

  const d = await client();
  d.send('b AUTHENTICATE LOGIN');
  assert.equal(await d.readLine(), `+ ${b64('Username:')}`);
  d.send(b64(login));
  assert.equal(await d.readLine(), `+ ${b64('Password:')}`);
  d.send(b64(password));
  assert.match((await d.readUntil(/^b /)).at(-1) ?? '', /^b OK/);
  await d.close();
});

test('AUTHENTICATE: cancel with *, garbage base64, unknown mechanism, wrong password', async () => {
  const { login } = fx.users[0] as ImapFixture['users'][0];
  const c = await client();
  c.send('a AUTHENTICATE PLAIN');
  assert.match(await c.readLine(), /^\+/);
  c.send('*');
  assert.match((await c.readUntil(/^a /)).at(-1) ?? '', /^a BAD/);
  c.send('b AUTHENTICATE PLAIN !!!notbase64');
  assert.match((await c.readUntil(/^b /)).at(-1) ?? '', /^b BAD/);
  c.send('c AUTHENTICATE CRAM-MD5');
  assert.match((await c.readUntil(/^c /)).at(-1) ?? '', /^c NO/);
  c.send(`d AUTHENTICATE PLAIN ${b64(`\0${login}\0wrong`)}`);
  assert.match((await c.readUntil(/^d /)).at(-1) ?? '', /^d NO \[AUTHENTICATIONFAILED\]/);
  c.send('e NOOP');
  assert.match((await c.readUntil(/^e /)).at(-1) ?? '', /^e OK/);
  await c.close();
});
