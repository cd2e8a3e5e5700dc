import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { connect } from '../helpers/net.js';
import { startTestServer } from '../helpers/server.js';

test('startTestServer: every listener on an ephemeral port, users can log in, close() frees everything', async () => {
  const srv = await startTestServer();
  let closed = false;
  try {
    const names = ['imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'lmtp'];
    for (const name of names) assert.ok((srv.ports[name] ?? 0) > 0, `${name} bound`);
    assert.equal(new Set(names.map((n) => srv.ports[n])).size, names.length);

    const account = await srv.addUser('Alice@Example.com', 'secret');
    assert.equal(account.login, 'alice@example.com');
    const result = await srv.ctx.auth.authenticate({
      login: 'alice@example.com',
      password: 'secret',
      remoteAddress: '127.0.0.1',
      protocol: 'imap',
    });
    assert.equal(result.ok, true);

    const imaps = await connect(srv.ports.imaps!, { tls: true });
    assert.match(await imaps.readLine(), /^\* OK/);
    const pop3 = await connect(srv.ports.pop3!);
    assert.match(await pop3.readLine(), /^\+OK/);

    await srv.close();
    closed = true;
    await Promise.all([imaps.waitClosed(), pop3.waitClosed()]);
    for (const name of names) await assert.rejects(connect(srv.ports[name]!), /ECONNREFUSED/, name);
    assert.equal(existsSync(srv.dataDir), false);
  } finally {
    if (!closed) await srv.close();
  }
});

test('startServer fails with a clear error when a port is taken, and leaves nothing running', async () => {
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const port = (blocker.address() as { port: number }).port;
  try {
    await assert.rejects(
      startTestServer({ listeners: { pop3: { port } } }),
      /listeners\.pop3: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
    );
  } finally {
    blocker.close();
  }
});

test('overrides are validated like the config file', async () => {
  await assert.rejects(
    startTestServer({ limits: { maxLineLength: -5 } }),
    /config: limits\.maxLineLength must be an integer/,
  );
});
