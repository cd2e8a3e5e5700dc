import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../helpers/net.js';
import { startTestServer } from '../helpers/server.js';

test('startTestServer binds every enabled listener on an ephemeral port and closes cleanly', async () => {
  const srv = await startTestServer({ listeners: { smtp: { enabled: false }, lmtp: { enabled: false }, submission: { enabled: false } } });
  try {
    for (const name of ['imap', 'imaps', 'pop3', 'pop3s']) {
      assert.ok((srv.ports[name] ?? 0) > 0, `${name} port bound`);
    }
    const account = await srv.addUser('Alice@Example.com', 'secret');
    assert.equal(account.login, 'alice@example.com');
    const ok = await srv.ctx.auth.authenticate({
      login: 'alice@example.com',
      password: 'secret',
      remoteAddress: '127.0.0.1',
      protocol: 'imap',
    });
    assert.equal(ok.ok, true);
    const c = await connect(srv.ports.imaps!, { tls: true });
    assert.ok((await c.readLine()).length > 0);
    await c.close();
  } finally {
    await srv.close();
  }
});
