/**
 * BINARY (RFC 3516) APPEND with a literal8 over a raw socket: the bytes are kept as sent, BINARY.SIZE
 * and BINARY[] give them back exactly, and no BODY[] literal ever carries a NUL (imaptest append-binary,
 * Dovecot's answers).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LineClient } from '../helpers/net.js';
import { type ImapFixture, type RawImap, rawImap, startImapFixture } from './harness.js';

let fx: ImapFixture;
let imap: RawImap;
before(async () => {
  fx = await startImapFixture(1);
  imap = await rawImap(fx.port, fx.users[0]);
});
after(async () => {
  await imap.close();
  await fx.srv.close();
});

const HEAD =
  'From: user@domain.org\r\nDate: Sat, 24 Mar 2007 23:00:00 +0200\r\nMime-Version: 1.0\r\n' +
  'Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n';
const BODY = Buffer.from([0x00, 0x2d, 0xe4, 0x0a, 0x0d, 0x0a, 0x0a]);

let tagNumber = 0;

/** Sends `command` (with `literal` after its first line, if any); the answer with literals as Buffers. */
async function exchange(client: LineClient, command: string, literal?: Buffer): Promise<(string | Buffer)[]> {
  const tag = `b${++tagNumber}`;
  client.write(
    Buffer.concat([Buffer.from(`${tag} ${command}\r\n`), ...(literal ? [literal, Buffer.from('\r\n')] : [])]),
  );
  const out: (string | Buffer)[] = [];
  for (;;) {
    const line = await client.readLine();
    out.push(line);
    const size = /(~?)\{(\d+)\}$/.exec(line);
    if (size) out.push(await client.readBytes(Number(size[2])));
    else if (line.startsWith(`${tag} `)) return out;
  }
}

test('APPEND ~{n}: stored as sent, BINARY.SIZE exact, BINARY[1] the bytes, BODY[1] base64 without NUL', async () => {
  await imap.run('CREATE Binary');
  const message = Buffer.concat([Buffer.from(HEAD), BODY]);
  const append = await exchange(imap.client, `APPEND Binary ~{${message.length}+}`, message);
  assert.match(String(append.at(-1)), /^b\d+ OK \[APPENDUID /);
  await imap.run('SELECT Binary');

  const binary = await exchange(imap.client, 'FETCH 1 (BINARY.SIZE[1] BINARY.PEEK[1])');
  assert.equal(binary[0], '* 1 FETCH (BINARY.SIZE[1] 7 BINARY[1] ~{7}');
  assert.deepEqual(binary[1], BODY);

  const body = await exchange(imap.client, 'FETCH 1 (BODY.PEEK[1] RFC822.SIZE BODY.PEEK[])');
  assert.equal(body[0], '* 1 FETCH (BODY[1] {12}');
  assert.equal(String(body[1]), 'AC3kCg0KCg==');
  const whole = body[3] as Buffer;
  assert.equal(whole.indexOf(0), -1);
  assert.equal(
    whole.toString('latin1'),
    `${HEAD.replace('Transfer-Encoding: binary', 'Transfer-Encoding: base64')}AC3kCg0KCg==`,
  );
  assert.match(String(body[2]), new RegExp(`RFC822.SIZE ${whole.length} BODY\\[\\] \\{${whole.length}\\}$`));
});

test('APPEND ~{n} of a text message keeps bare LFs (no CRLF rewriting); {n} still normalises', async () => {
  const text = Buffer.from(
    'Subject: lf\nContent-Type: text/plain; charset=utf-8\n\nline one\nline \xc3\xa4\n',
  );
  await exchange(imap.client, `APPEND Binary ~{${text.length}+}`, text);
  await exchange(imap.client, `APPEND Binary {${text.length}+}`, text);
  const answer = await exchange(imap.client, 'FETCH 2:3 (RFC822.SIZE BODY.PEEK[])');
  assert.deepEqual(answer[1], text);
  assert.match(String(answer[0]), new RegExp(`^\\* 2 FETCH \\(RFC822.SIZE ${text.length} `));
  assert.deepEqual(answer[4], Buffer.from(text.toString('latin1').replace(/\n/g, '\r\n'), 'latin1'));
});
