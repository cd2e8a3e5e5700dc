import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { LocalBus } from '../../src/bus/local.js';
import { LocalCoordinator } from '../../src/bus/local-coordinator.js';
import { type DeepPartial, defaultConfig, mergeConfig } from '../../src/config/config.js';
import type { Config } from '../../src/config/types.js';
import { silentLogger } from '../../src/lib/log.js';
import type { AuthService } from '../../src/server/auth/auth.js';
import type { ServerContext } from '../../src/server/context.js';
import type { ConnectionInfo, ProtocolHandler } from '../../src/server/net/connection.js';
import { type RunningListener, startListener } from '../../src/server/net/listener.js';
import { createTlsProvider, generateSelfSigned } from '../../src/server/net/tls.js';
import type { Store } from '../../src/store/store.js';
import { connect } from '../helpers/net.js';
import { waitUntil } from '../helpers/wait.js';

let dir: string;
let tlsFiles: { cert: string; key: string };
const running: RunningListener[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postyard-listener-'));
  tlsFiles = await generateSelfSigned(dir, 'listener.test');
});

after(async () => {
  for (const l of running) {
    await l.close();
    l.destroyConnections();
  }
  await rm(dir, { recursive: true, force: true });
});

function fakeContext(overrides: DeepPartial<Config> = {}): ServerContext & { stopping: boolean } {
  const ctx = {
    config: mergeConfig(defaultConfig(dir), overrides),
    store: {} as Store,
    bus: new LocalBus(),
    coordinator: new LocalCoordinator(),
    auth: {} as AuthService,
    tls: createTlsProvider(tlsFiles),
    log: silentLogger(),
    stopping: false,
    shuttingDown: () => ctx.stopping,
  };
  return ctx;
}

/**
 * Greets with "HELLO <id> trusted=<bool> secure=<bool>" and keeps the connection open. `sockets` gets
 * the server's end of each connection it handles.
 */
function greeter(seen: ConnectionInfo[] = [], sockets: Socket[] = []): ProtocolHandler {
  return {
    handle(socket: Socket, info: ConnectionInfo) {
      seen.push(info);
      sockets.push(socket);
      socket.write(`HELLO ${info.id} trusted=${info.trusted} secure=${info.secure}\r\n`);
      socket.on('data', (d) => {
        if (String(d).startsWith('QUIT')) socket.end('BYE\r\n');
      });
    },
    refuse(socket, reason) {
      socket.write(`BYE refused: ${reason}\r\n`);
    },
    async shutdown() {},
  };
}

async function listen(ctx: ServerContext, protocol: ProtocolHandler, implicitTls = false) {
  const l = await startListener(ctx, { name: 'test', host: '127.0.0.1', port: 0, implicitTls, protocol });
  running.push(l);
  return l;
}

describe('listener', () => {
  test('binds an ephemeral port and builds ConnectionInfo', async () => {
    const seen: ConnectionInfo[] = [];
    const l = await listen(fakeContext(), greeter(seen));
    assert.ok(l.port > 0);
    const c = await connect(l.port);
    assert.match(await c.readLine(), /^HELLO \w+ trusted=true secure=false$/);
    assert.equal(seen[0]!.remoteAddress, '127.0.0.1');
    assert.equal(seen[0]!.localPort, l.port);
    assert.equal(l.connectionCount(), 1);
    c.send('QUIT');
    assert.equal(await c.readLine(), 'BYE');
    await c.waitClosed();
    const c2 = await connect(l.port);
    await c2.readLine();
    assert.notEqual(seen[1]!.id, seen[0]!.id, 'ids are unique');
    await c2.close();
  });

  test('per-IP limit: refused politely via the protocol callback, accepted again once a slot frees', async () => {
    const serverEnds: Socket[] = [];
    const l = await listen(fakeContext({ limits: { maxConnectionsPerIp: 2 } }), greeter([], serverEnds));
    const a = await connect(l.port);
    await a.readLine();
    const b = await connect(l.port);
    await b.readLine();
    const refused = await connect(l.port);
    assert.equal(await refused.readLine(), 'BYE refused: too-many-connections');
    await refused.waitClosed();
    // The slot frees when the server's end of `a` closes (the listener's own 'close' handler, added
    // before the protocol's, has run by the time this one resolves).
    const aClosed = once(serverEnds[0]!, 'close');
    await a.close();
    await aClosed;
    const again = await connect(l.port);
    assert.match(await again.readLine(), /^HELLO/);
    await Promise.all([b.close(), again.close()]);
  });

  test('the per-IP limit is read live (config reload)', async () => {
    const ctx = fakeContext({ limits: { maxConnectionsPerIp: 1 } });
    const l = await listen(ctx, greeter());
    const a = await connect(l.port);
    await a.readLine();
    ctx.config.limits.maxConnectionsPerIp = 2;
    const b = await connect(l.port);
    assert.match(await b.readLine(), /^HELLO/);
    await Promise.all([a.close(), b.close()]);
  });

  test('trusted follows config.trustedNetworks (127.0.0.2 can be made non-local)', async () => {
    const l = await listen(fakeContext({ trustedNetworks: ['127.0.0.1/32'] }), greeter());
    const local = await connect(l.port);
    assert.match(await local.readLine(), /trusted=true/);
    const other = await connect(l.port, { localAddress: '127.0.0.2' });
    assert.match(await other.readLine(), /trusted=false/);
    await Promise.all([local.close(), other.close()]);
  });

  test('implicit TLS: handshake first, then the protocol sees a secure socket', async () => {
    const l = await listen(fakeContext(), greeter(), true);
    const c = await connect(l.port, { tls: true });
    assert.match(await c.readLine(), /secure=true/);
    assert.equal(l.connectionCount(), 1, 'a TLS connection counts once');
    c.send('QUIT');
    assert.equal(await c.readLine(), 'BYE');
    await c.close();
    // A client speaking plaintext to the TLS port is dropped without reaching the protocol.
    const plain = await connect(l.port);
    plain.send('HELLO?');
    await plain.waitClosed();
  });

  test('a handler that throws costs only its own connection', async () => {
    let calls = 0;
    const l = await listen(fakeContext(), {
      handle(socket) {
        calls += 1;
        if (calls === 1) throw new Error('boom');
        socket.write('fine\r\n');
      },
      async shutdown() {},
    });
    const bad = await connect(l.port);
    await bad.waitClosed();
    const good = await connect(l.port);
    assert.equal(await good.readLine(), 'fine');
    await good.close();
  });

  test('while shutting down new connections are refused; close() stops accepting', async () => {
    const ctx = fakeContext();
    const l = await listen(ctx, greeter());
    const kept = await connect(l.port);
    await kept.readLine();
    ctx.stopping = true;
    const late = await connect(l.port);
    assert.equal(await late.readLine(), 'BYE refused: shutting-down');
    await l.close();
    await assert.rejects(connect(l.port), /ECONNREFUSED/);
    kept.send('QUIT');
    assert.equal(await kept.readLine(), 'BYE', 'existing connections survive close()');
    await kept.close();
  });

  test('an unusable port is a ConfigError naming the listener', async () => {
    const first = await listen(fakeContext(), greeter());
    await assert.rejects(
      startListener(fakeContext(), {
        name: 'imap',
        host: '127.0.0.1',
        port: first.port,
        implicitTls: false,
        protocol: greeter(),
      }),
      /listeners\.imap: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
    );
  });

  test('destroyConnections closes plain and TLS connections alike', async () => {
    const plainListener = await listen(fakeContext(), greeter());
    const tlsListener = await listen(fakeContext(), greeter(), true);
    const a = await connect(plainListener.port);
    const b = await connect(tlsListener.port, { tls: true });
    await Promise.all([a.readLine(), b.readLine()]);
    plainListener.destroyConnections();
    tlsListener.destroyConnections();
    await Promise.all([a.waitClosed(), b.waitClosed()]);
    // The client sees its close first; the server's sockets close on their own event-loop turn.
    await waitUntil(
      () => plainListener.connectionCount() + tlsListener.connectionCount() === 0,
      'the listeners to count no connection',
    );
  });
});
