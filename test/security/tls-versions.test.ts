/**
 * Issue 5 "TLS 1.2 minimum" on every TLS entry point: implicit TLS (IMAPS, POP3S) and STARTTLS/STLS
 * (IMAP, POP3, SMTP, submission, LMTP). A client limited to TLS 1.1 must fail the handshake; TLS 1.2+
 * must work.
 * A control server shows that this client really can speak TLS 1.1 (so the refusal is the server's).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type ConnectionOptions,
  createServer as createTlsServer,
  type TLSSocket,
  connect as tlsConnect,
} from 'node:tls';
import { startConfiguredServer } from '../../src/cli/runtime.js';
import { defaultConfig } from '../../src/config/config.js';
import { connect } from '../helpers/net.js';
import { installTestCertificate, startTestServer, type TestServer, testConfig } from '../helpers/server.js';

const OLD: ConnectionOptions = { minVersion: 'TLSv1', maxVersion: 'TLSv1.1', ciphers: 'DEFAULT@SECLEVEL=0' };
const MODERN: ConnectionOptions = { minVersion: 'TLSv1.2' };
let srv: TestServer;

before(async () => {
  srv = await startTestServer();
});
after(() => srv.close());

/** Handshake over `socket` (or a new connection to `port`); resolves with the protocol or the error. */
function handshake(
  target: { port: number } | { socket: Socket },
  options: ConnectionOptions,
): Promise<string> {
  return new Promise((resolve) => {
    const s: TLSSocket = tlsConnect(
      { host: '127.0.0.1', rejectUnauthorized: false, ...target, ...options },
      () => {
        const protocol = s.getProtocol() ?? 'unknown';
        s.destroy();
        resolve(protocol);
      },
    );
    s.once('error', (err) => resolve(`error: ${err.message}`));
    s.setTimeout(10_000, () => {
      s.destroy();
      resolve('error: timeout');
    });
  });
}

test('control: this client negotiates TLS 1.1 with a server that allows it', async () => {
  const tls = defaultConfig(srv.dataDir).tls;
  const server = createTlsServer(
    {
      key: await readFile(tls.key),
      cert: await readFile(tls.cert),
      minVersion: 'TLSv1',
      ciphers: 'DEFAULT@SECLEVEL=0',
    },
    (s) => s.end(),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    assert.equal(await handshake({ port }, OLD), 'TLSv1.1');
  } finally {
    server.close();
  }
});

for (const listener of ['imaps', 'pop3s']) {
  test(`${listener}: TLS 1.1 is refused, TLS 1.2+ accepted`, async () => {
    assert.match(await handshake({ port: srv.ports[listener]! }, OLD), /^error/);
    assert.match(await handshake({ port: srv.ports[listener]! }, MODERN), /^TLSv1\.[23]$/);
  });
}

/** Plaintext dialogue up to the STARTTLS go-ahead; returns the raw socket ready for the handshake. */
const STARTTLS: Record<string, { hello?: string; command: string; goAhead: RegExp }> = {
  imap: { command: 's STARTTLS', goAhead: /^s OK/ },
  pop3: { command: 'STLS', goAhead: /^\+OK/ },
  smtp: { hello: 'EHLO client.example', command: 'STARTTLS', goAhead: /^220 / },
  submission: { hello: 'EHLO client.example', command: 'STARTTLS', goAhead: /^220 / },
  lmtp: { hello: 'LHLO client.example', command: 'STARTTLS', goAhead: /^220 / },
};

async function upgradeAttempt(listener: string, options: ConnectionOptions): Promise<string> {
  const { hello, command, goAhead } = STARTTLS[listener]!;
  const c = await connect(srv.ports[listener]!);
  try {
    await c.readUntil(/^(\* OK|\+OK|220 )/);
    if (hello) {
      c.send(hello);
      const lines = await c.readUntil(/^\d{3} /);
      if (!lines.some((l) => /STARTTLS/.test(l))) return 'no STARTTLS offered';
    }
    c.send(command);
    const reply = await c.readLine();
    assert.match(reply, goAhead);
    c.socket.removeAllListeners('data');
    return await handshake({ socket: c.socket }, options);
  } finally {
    c.socket.destroy();
  }
}

for (const listener of Object.keys(STARTTLS)) {
  test(`${listener} STARTTLS: TLS 1.1 is refused, TLS 1.2+ accepted`, async () => {
    const modern = await upgradeAttempt(listener, MODERN);
    assert.notEqual(modern, 'no STARTTLS offered', `${listener} must offer STARTTLS`);
    assert.match(modern, /^TLSv1\.[23]$/);
    assert.match(await upgradeAttempt(listener, OLD), /^error/);
  });
}

test('implicit-TLS submission (RFC 8314): TLS 1.1 refused, TLS 1.2+ accepted', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-submissions-'));
  try {
    await installTestCertificate(dataDir);
    const config = testConfig(dataDir, {
      listeners: { imap: { enabled: false }, imaps: { enabled: false }, pop3: { enabled: false } },
    });
    const server = await startConfiguredServer(config);
    try {
      const port = server.ports.submissions;
      assert.ok(port, `listeners: ${Object.keys(server.ports).join(', ')}`);
      assert.match(await handshake({ port }, OLD), /^error/);
      assert.match(await handshake({ port }, MODERN), /^TLSv1\.[23]$/);
    } finally {
      await server.close({ graceMs: 1_000 });
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('the implicit-TLS submission listener can be enabled from the config file', () => {
  const dataDir = join(tmpdir(), 'postyard-never-created');
  const config = testConfig(dataDir, { listeners: { submissions: { host: '127.0.0.1', port: 0 } } });
  assert.equal(config.listeners.submissions.enabled, true);
});
