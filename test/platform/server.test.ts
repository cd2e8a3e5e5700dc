import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LocalBus } from '../../src/bus/local.js';
import type { DeepPartial } from '../../src/config/config.js';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/lib/log.js';
import { startServer } from '../../src/server/server.js';
import { openSqliteStore } from '../../src/store/sqlite/index.js';
import type { Store } from '../../src/store/store.js';
import { connect } from '../helpers/net.js';
import { installTestCertificate, startTestServer, testConfig } from '../helpers/server.js';

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

describe('startServer without listeners', () => {
  const noListeners = Object.fromEntries(
    ['imap', 'imaps', 'pop3', 'pop3s', 'smtp', 'submission', 'submissions', 'lmtp', 'http', 'https'].map(
      (n) => [n, { enabled: false }],
    ),
  );

  async function start(overrides: DeepPartial<Config>) {
    const dataDir = await mkdtemp(join(tmpdir(), 'postyard-server-'));
    await installTestCertificate(dataDir);
    const config = testConfig(dataDir, { listeners: noListeners, ...overrides });
    const calls: string[] = [];
    const bus = new LocalBus();
    const real = await openSqliteStore({ dataDir, bus });
    // Count maintenance calls and closing on the way through to the real store.
    const store = new Proxy(real, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          if (['applyRetention', 'collectGarbage', 'close'].includes(String(prop))) calls.push(String(prop));
          return value.apply(target, args);
        };
      },
    }) as Store;
    const server = await startServer(config, { store, bus, log: silentLogger() });
    return { server, calls, dataDir };
  }

  test('runs retention and garbage collection periodically and closes the store once', async () => {
    const { server, calls, dataDir } = await start({ maintenanceIntervalMinutes: 0.001 });
    try {
      assert.deepEqual(server.ports, {});
      await new Promise((r) => setTimeout(r, 400));
      assert.ok(calls.filter((c) => c === 'applyRetention').length >= 2, calls.join());
      assert.ok(calls.includes('collectGarbage'));
      await Promise.all([server.close(), server.close()]);
      assert.equal(calls.filter((c) => c === 'close').length, 1);
      const settled = calls.length;
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(calls.length, settled, 'no maintenance after close');
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  test('reload applies live settings in place and keeps the rest', async () => {
    const { server, dataDir } = await start({});
    try {
      const configObject = server.ctx.config;
      const next = testConfig(dataDir, {
        listeners: noListeners,
        limits: { maxConnectionsPerIp: 7 },
        trustedNetworks: ['10.0.0.0/8'],
        allowPlaintextAuth: true,
        log: { level: 'debug' },
      });
      await server.reload(next);
      assert.equal(server.ctx.config, configObject, 'same object: sessions holding it see the change');
      assert.equal(server.ctx.config.limits.maxConnectionsPerIp, 7);
      assert.deepEqual(server.ctx.config.trustedNetworks, ['10.0.0.0/8']);
      assert.equal(server.ctx.config.allowPlaintextAuth, true);
    } finally {
      await server.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
