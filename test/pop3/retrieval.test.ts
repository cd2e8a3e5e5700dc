/**
 * RETR bytes equal delivered bytes for the corpus, checked on the raw wire (exact dot-stuffing) and
 * with Python's poplib (LIST sizes, UIDL, RETR, TOP, STLS and POP3S).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { corpus, expectedRetrieval } from './corpus.js';
import {
  ALICE,
  command,
  deliver,
  expectOk,
  PASSWORD,
  pop3Login,
  python,
  startPop3Server,
} from './helpers.js';

let srv: TestServer;
const messages = corpus();

/** RFC 1939 3 byte-stuffing, written independently of the server's stuffer. */
function stuff(message: Buffer): Buffer {
  const text = expectedRetrieval(message).toString('latin1');
  const stuffed = text
    .split('\r\n')
    .map((l) => (l.startsWith('.') ? `.${l}` : l))
    .join('\r\n');
  return Buffer.from(`${stuffed}.\r\n`, 'latin1');
}

describe('POP3 retrieval of a corpus', () => {
  before(async () => {
    srv = await startPop3Server({ trustedNetworks: ['127.0.0.1/32'] });
    for (const message of messages) await deliver(srv, ALICE, message);
  });
  after(() => srv.close());

  test('RETR sends exactly the stored bytes, dot-stuffed, for every message', async () => {
    const client = await pop3Login(srv.ports.pop3!);
    for (let i = 0; i < messages.length; i++) {
      assert.equal(await command(client, `RETR ${i + 1}`), `+OK ${messages[i]!.length} octets`);
      const expected = stuff(messages[i]!);
      assert.deepEqual(await client.readBytes(expected.length, 20_000), expected, `message ${i + 1}`);
    }
    await expectOk(client, 'QUIT');
  });

  test('RETR of every message pipelined in one write: the replies follow one another byte-exact', async () => {
    const client = await pop3Login(srv.ports.pop3!);
    const all = messages.map((_, i) => `RETR ${i + 1}\r\n`).join('');
    client.write(`${all}${all}`); // twice: the second round reuses slabs the first one filled
    const reply = (m: Buffer) => Buffer.concat([Buffer.from(`+OK ${m.length} octets\r\n`), stuff(m)]);
    const expected = Buffer.concat([...messages.map(reply), ...messages.map(reply)]);
    assert.ok((await client.readBytes(expected.length, 20_000)).equals(expected));
    await expectOk(client, 'QUIT');
  });

  test('TOP of the large (streamed) message stops after n body lines', async () => {
    const client = await pop3Login(srv.ports.pop3!);
    const large = messages[6]!.toString('latin1');
    const headerEnd = large.indexOf('\r\n\r\n') + 4;
    const expectedLines =
      large.slice(0, headerEnd) + large.slice(headerEnd).split('\r\n').slice(0, 3).join('\r\n');
    assert.match(await command(client, 'TOP 7 3'), /^\+OK/);
    const expected = stuff(Buffer.from(`${expectedLines}\r\n`, 'latin1'));
    assert.deepEqual(
      (await client.readBytes(expected.length)).toString('latin1'),
      expected.toString('latin1'),
    );
    await expectOk(client, 'NOOP');
    await expectOk(client, 'QUIT');
  });

  test("Python's poplib: LIST sizes, UIDL, RETR bytes, TOP, over plain, STLS and POP3S", async (t) => {
    if (!requireTool(t, 'python3')) return;
    const script = `
import poplib, ssl, sys, json, base64
poplib._MAXLINE = 10_000_000
host, port, tls_port, user, password, mode = sys.argv[1:7]
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
if mode == 'pop3s':
    p = poplib.POP3_SSL(host, int(tls_port), context=ctx)
else:
    p = poplib.POP3(host, int(port))
    if mode == 'stls':
        p.stls(context=ctx)
caps = p.capa()
p.user(user); p.pass_(password)
count, size = p.stat()
sizes = [int(l.split()[1]) for l in p.list()[1]]
uidls = [l.decode().split()[1] for l in p.uidl()[1]]
bodies = [base64.b64encode(b''.join(l + b'\\r\\n' for l in p.retr(i + 1)[1])).decode() for i in range(count)]
top = [l.decode('latin1') for l in p.top(1, 1)[1]]
p.quit()
print(json.dumps({'caps': sorted(caps.keys()), 'count': count, 'size': size, 'sizes': sizes, 'uidls': uidls, 'bodies': bodies, 'top': top}))
`;
    for (const mode of ['plain', 'stls', 'pop3s']) {
      const { stdout } = await python(script, [
        '127.0.0.1',
        String(srv.ports.pop3),
        String(srv.ports.pop3s),
        ALICE,
        PASSWORD,
        mode,
      ]);
      const out = JSON.parse(stdout) as {
        caps: string[];
        count: number;
        size: number;
        sizes: number[];
        uidls: string[];
        bodies: string[];
        top: string[];
      };
      assert.equal(out.count, messages.length, mode);
      assert.equal(
        out.size,
        messages.reduce((s, m) => s + m.length, 0),
      );
      assert.deepEqual(
        out.sizes,
        messages.map((m) => m.length),
      );
      assert.equal(new Set(out.uidls).size, messages.length);
      for (const u of out.uidls) assert.match(u, /^[0-9A-F]{16}$/);
      out.bodies.forEach((b, i) => {
        assert.ok(
          Buffer.from(b, 'base64').equals(expectedRetrieval(messages[i]!)),
          `${mode} message ${i + 1}`,
        );
      });
      assert.deepEqual(
        out.top.slice(-2),
        ['', '.'],
        'TOP 1 1: header, blank line, first body line (un-stuffed)',
      );
      assert.ok(out.caps.includes('UIDL') && out.caps.includes('TOP'));
    }
  });
});
