import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../helpers/net.js';
import { startTestServer } from '../helpers/server.js';

test('brute force: failures slow down, then block across reconnects and protocols; the block expires', async () => {
  const srv = await startTestServer({
    limits: { maxAuthFailures: 3, authBlockSeconds: 1 },
    listeners: { smtp: { enabled: false }, lmtp: { enabled: false }, submission: { enabled: false } },
  });
  try {
    await srv.addUser('alice@example.com', 'right');
    const imapLogin = async (password: string) => {
      const c = await connect(srv.ports.imap!);
      await c.readLine();
      const started = Date.now();
      c.send(`a LOGIN alice@example.com ${password}`);
      const reply = (await c.readUntil(/^a /)).at(-1)!;
      await c.close(); // every attempt on a fresh connection: counters must survive reconnects
      return { ok: reply.startsWith('a OK'), ms: Date.now() - started };
    };

    const first = await imapLogin('wrong1');
    const second = await imapLogin('wrong2');
    assert.equal(first.ok || second.ok, false);
    assert.ok(second.ms >= 180, `second failure delayed (${second.ms} ms)`);
    await imapLogin('wrong3'); // third failure: blocked from now on

    assert.equal((await imapLogin('right')).ok, false, 'blocked even with the right password');
    const pop3 = await connect(srv.ports.pop3!);
    await pop3.readLine();
    pop3.send('USER alice@example.com');
    await pop3.readLine();
    pop3.send('PASS right');
    assert.match(await pop3.readLine(), /^-ERR/, 'the block applies to POP3 too');
    await pop3.close();

    await new Promise((r) => setTimeout(r, 1_100));
    assert.equal((await imapLogin('right')).ok, true, 'block expired');
  } finally {
    await srv.close();
  }
});
