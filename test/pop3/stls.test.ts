/** STLS (RFC 2595 4), implicit TLS, and the plaintext-authentication refusal (issue 5). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import {
  ALICE,
  command,
  deliver,
  expectOk,
  PASSWORD,
  pop3Connect,
  readMultiLine,
  simpleMessage,
  startPop3Server,
} from './helpers.js';

let srv: TestServer;

describe('POP3 TLS and plaintext refusal', () => {
  before(async () => {
    // 127.0.0.2 is not trusted here, so it stands for a remote client.
    srv = await startPop3Server({ trustedNetworks: ['127.0.0.1/32'] });
    await deliver(srv, ALICE, simpleMessage(1));
  });
  after(() => srv.close());

  test('an untrusted plaintext connection gets no USER/SASL and -ERR [AUTH] for credentials', async () => {
    const client = await pop3Connect(srv.ports.pop3!, { localAddress: '127.0.0.2' });
    await expectOk(client, 'CAPA');
    const caps = await readMultiLine(client);
    assert.ok(caps.includes('STLS'));
    assert.ok(!caps.includes('USER') && !caps.some((c) => c.startsWith('SASL')), caps.join());
    assert.match(await command(client, `USER ${ALICE}`), /^-ERR \[AUTH\] /);
    assert.match(await command(client, 'AUTH PLAIN AGFsaWNlAHNlY3JldA=='), /^-ERR \[AUTH\] /);
    await expectOk(client, 'QUIT');
  });

  test('STLS upgrades, then USER/PASS works; CAPA no longer offers STLS', async () => {
    const client = await pop3Connect(srv.ports.pop3!, { localAddress: '127.0.0.2' });
    await expectOk(client, 'STLS');
    await client.starttls();
    await expectOk(client, 'CAPA');
    const caps = await readMultiLine(client);
    assert.ok(caps.includes('USER') && !caps.includes('STLS'), caps.join());
    await expectOk(client, `USER ${ALICE}`);
    await expectOk(client, `PASS ${PASSWORD}`);
    assert.match(await command(client, 'STAT'), /^\+OK 1 /);
    await expectOk(client, 'QUIT');
  });

  test('plaintext pipelined after STLS is discarded (STARTTLS injection)', async () => {
    const client = await pop3Connect(srv.ports.pop3!, { localAddress: '127.0.0.2' });
    client.write(`STLS\r\nUSER ${ALICE}\r\nPASS ${PASSWORD}\r\nDELE 1\r\nQUIT\r\n`);
    assert.equal(await client.readLine(), '+OK Begin TLS negotiation');
    await client.starttls();
    // Had the injected commands run, USER would now be pending or the session logged in.
    assert.match(await command(client, 'STAT'), /^-ERR .*AUTHORIZATION/);
    assert.equal(await command(client, 'PASS x'), '-ERR Send USER first');
    await expectOk(client, 'QUIT');
    assert.equal((await srv.ctx.store.getAccount(ALICE)) !== null, true);
  });

  test('implicit TLS (POP3S): credentials accepted, no STLS offered', async () => {
    const client = await pop3Connect(srv.ports.pop3s!, { tls: true, localAddress: '127.0.0.2' });
    await expectOk(client, 'CAPA');
    const caps = await readMultiLine(client);
    assert.ok(caps.includes('USER') && !caps.includes('STLS'), caps.join());
    await expectOk(client, `USER ${ALICE}`);
    await expectOk(client, `PASS ${PASSWORD}`);
    assert.match(await command(client, 'RETR 1'), /^\+OK/);
    assert.equal(`${(await readMultiLine(client)).join('\r\n')}\r\n`, simpleMessage(1));
    await expectOk(client, 'QUIT');
  });
});
