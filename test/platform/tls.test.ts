import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { ConfigError } from '../../src/lib/errors.js';
import {
  acceptTls,
  createTlsProvider,
  type FileTlsProvider,
  generateSelfSigned,
  upgradeToTls,
} from '../../src/server/net/tls.js';
import { connect } from '../helpers/net.js';

let dir: string;
let certA: { cert: string; key: string };
let certB: { cert: string; key: string };
const servers: Server[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'postyard-tls-'));
  certA = await generateSelfSigned(join(dir, 'a'), 'a.example');
  certB = await generateSelfSigned(join(dir, 'b'), 'b.example');
});

after(async () => {
  for (const s of servers) s.close();
  await rm(dir, { recursive: true, force: true });
});

/** A server that does implicit TLS through acceptTls and echoes lines as "ECHO <line>". */
async function echoServer(provider: FileTlsProvider): Promise<number> {
  const server = createServer((raw) => {
    raw.on('error', () => {});
    acceptTls(raw, provider).then(
      (s) => {
        s.on('data', (d) => s.write(`ECHO ${String(d)}`));
      },
      () => {},
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

function peerCommonName(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
      const cn = s.getPeerCertificate().subject.CN;
      s.end();
      resolve(String(Array.isArray(cn) ? cn[0] : cn));
    });
    s.once('error', reject);
  });
}

describe('TLS provider', () => {
  test('generateSelfSigned keeps existing files unless asked to overwrite', async () => {
    const again = await generateSelfSigned(join(dir, 'a'), 'other.example');
    assert.equal(again.created, false);
    assert.equal(again.cert, certA.cert);
  });

  test('reload: new connections get the new certificate, existing connections stay up', async () => {
    const live = join(dir, 'live');
    await generateSelfSigned(live, 'a.example');
    const files = { cert: join(live, 'tls/cert.pem'), key: join(live, 'tls/key.pem') };
    const provider = createTlsProvider(files);
    const port = await echoServer(provider);
    assert.equal(await peerCommonName(port), 'a.example');

    const existing = await connect(port, { tls: true });
    existing.send('before');
    assert.equal(await existing.readLine(), 'ECHO before');

    await copyFile(certB.cert, files.cert);
    await copyFile(certB.key, files.key);
    await provider.reload();
    assert.equal(await peerCommonName(port), 'b.example');

    existing.send('after');
    assert.equal(await existing.readLine(), 'ECHO after', 'old connection survived the reload');
    await existing.close();
  });

  test('a broken reload keeps the old certificate and names the problem', async () => {
    const live = join(dir, 'broken');
    await generateSelfSigned(live, 'a.example');
    const files = { cert: join(live, 'tls/cert.pem'), key: join(live, 'tls/key.pem') };
    const provider = createTlsProvider(files);
    const before = provider.context();
    await copyFile(certB.key, files.key); // key no longer matches the certificate
    await assert.rejects(
      provider.reload(),
      (err) => err instanceof ConfigError && /tls\.cert\/tls\.key/.test(err.message),
    );
    await writeFile(files.cert, 'not a pem');
    await assert.rejects(provider.reload(), ConfigError);
    assert.equal(provider.context(), before);
    await assert.rejects(
      provider.reload({ cert: join(live, 'missing.pem'), key: files.key }),
      /tls\.cert file .* ENOENT/,
    );
  });

  test('missing files at start: ConfigError pointing at init', () => {
    assert.throws(
      () => createTlsProvider({ cert: join(dir, 'nope.pem'), key: join(dir, 'nope.key') }),
      /config: tls\.cert file .*nope\.pem cannot be read: ENOENT \(run "postyard init"/,
    );
  });

  test('TLS 1.2 is the minimum', async () => {
    const port = await echoServer(createTlsProvider(certA));
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = tlsConnect(
          { port, host: '127.0.0.1', rejectUnauthorized: false, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
          () => resolve(s),
        );
        s.once('error', reject);
      }),
    );
  });

  test('a handshake that never comes times out and the socket is destroyed', async () => {
    const provider = createTlsProvider(certA);
    let accepted!: (value: { raw: Socket; outcome: Promise<unknown> }) => void;
    const connection = new Promise<{ raw: Socket; outcome: Promise<unknown> }>((r) => (accepted = r));
    const server = createServer((s) => {
      s.on('error', () => {});
      accepted({ raw: s, outcome: acceptTls(s, provider, { timeoutMs: 100 }) });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const c = await connect((server.address() as { port: number }).port);
    // The client never starts the handshake; the test waits for the server's timeout to act.
    const { raw, outcome } = await connection;
    await assert.rejects(outcome, /TLS handshake timed out/);
    assert.equal(raw.destroyed, true);
    await c.waitClosed();
  });
});

describe('STARTTLS injection defence', () => {
  /**
   * A minimal line server: on "STARTTLS" it leaves the rest of the chunk in the socket buffer (as if the
   * session had not read it yet), upgrades, then echoes "GOT <line>" for what it receives over TLS.
   */
  async function starttlsServer(mode: 'goAhead' | 'writeFirst') {
    const provider = createTlsProvider(certA);
    const received: string[] = [];
    const warnings: unknown[] = [];
    const log = { warn: (fields: unknown) => warnings.push(fields) } as never;
    const server = createServer((socket) => {
      socket.on('error', () => {});
      socket.write('READY\r\n');
      let buffer = '';
      const onData = (chunk: Buffer) => {
        buffer += chunk.toString('latin1');
        const end = buffer.indexOf('\r\n');
        if (end < 0 || buffer.slice(0, end) !== 'STARTTLS') return;
        const rest = buffer.slice(end + 2);
        socket.off('data', onData);
        socket.pause();
        if (rest) socket.unshift(Buffer.from(rest, 'latin1'));
        const goAhead = 'OK go ahead\r\n';
        if (mode === 'writeFirst') socket.write(goAhead);
        upgradeToTls(socket, provider, { log, ...(mode === 'goAhead' ? { goAhead } : {}) }).then((secure) => {
          secure.on('data', (d: Buffer) => {
            for (const l of d.toString().split('\r\n').filter(Boolean)) {
              received.push(l);
              secure.write(`GOT ${l}\r\n`);
            }
          });
        });
      };
      socket.on('data', onData);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as { port: number }).port, received, warnings };
  }

  for (const mode of ['goAhead', 'writeFirst'] as const) {
    test(`plaintext pipelined after STARTTLS never reaches the session (${mode})`, async () => {
      const { port, received, warnings } = await starttlsServer(mode);
      const c = await connect(port);
      assert.equal(await c.readLine(), 'READY');
      c.write('STARTTLS\r\nINJECTED COMMAND\r\n'); // one write: the attacker's plaintext rides along
      assert.equal(await c.readLine(), 'OK go ahead');
      await c.starttls();
      c.send('HELLO OVER TLS');
      assert.equal(await c.readLine(), 'GOT HELLO OVER TLS');
      await c.close();
      assert.deepEqual(received, ['HELLO OVER TLS']);
      assert.deepEqual(warnings, [{ bytes: 'INJECTED COMMAND\r\n'.length }], 'the discard is logged');
    });
  }

  test('a legitimate client that starts TLS the instant it sees the go-ahead is not cut off', async () => {
    const { port, received } = await starttlsServer('goAhead');
    for (let i = 0; i < 20; i++) {
      const c = await connect(port);
      await c.readLine();
      c.write('STARTTLS\r\n');
      await c.readLine();
      await c.starttls();
      c.send(`ping ${i}`);
      assert.equal(await c.readLine(), `GOT ping ${i}`);
      await c.close();
    }
    assert.equal(received.length, 20);
  });
});
