/**
 * Python imaplib against the full-text index: messages APPENDed (indexed at ingest), then SEARCH TEXT,
 * BODY and SUBJECT, and CHARSET UTF-8 searches sent as literals, the way imaplib sends them. The needles
 * hide behind quoted-printable soft line breaks, base64, RFC 2047 encoded words and HTML.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { listOf } from '../../src/store/contract/fixture.js';
import { requireTool } from '../helpers/tools.js';
import { type ImapFixture, startImapFixture } from './harness.js';

const SCRIPT = String.raw`
import imaplib, os, sys

m = imaplib.IMAP4(os.environ['HOST'], int(os.environ['PORT']))
m.login(os.environ['USER'], os.environ['PASS'])
m.create('Fts')

def append(text):
    typ, data = m.append('Fts', None, None, text.replace('\n', '\r\n').encode('utf-8'))
    assert typ == 'OK', (typ, data)

append("""From: Ann <ann@example.org>
Subject: =?UTF-8?Q?Quarterly_r=C3=A9?= =?UTF-8?Q?sum=C3=A9?=
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

The budget for the lighthou=
se project is appro=
ved. Gr=C3=BC=C3=9Fe
""")
append("""From: Bob <bob@example.net>
Subject: lunch
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: base64

""" + __import__('base64').b64encode('Meet at the Lighthouse café, 12:00'.encode()).decode() + "\n")
append("""From: Carol <carol@example.com>
Subject: newsletter
Content-Type: multipart/alternative; boundary=b

--b
Content-Type: text/html; charset=utf-8

<p>Light<b></b>house <i>weekly</i></p>
--b--
""")

m.select('Fts')

def search(*criteria, charset=None):
    typ, data = m.search(charset, *criteria)
    assert typ == 'OK', (typ, data)
    return data[0].decode().split()

def utf8_search(key, value):
    m.literal = value.encode('utf-8')
    typ, data = m.search('UTF-8', key)
    assert typ == 'OK', (typ, data)
    return data[0].decode().split()

checks = [
    (search('TEXT', 'lighthouse'), ['1', '2']),
    (search('BODY', 'LIGHTHOUSE'), ['1', '2']),
    (search('BODY', '"house project is approved"'), ['1']),
    (search('SUBJECT', 'quarterly'), ['1']),
    (search('TEXT', 'bob@example.net'), ['2']),
    (search('FROM', 'carol'), ['3']),
    (search('TEXT', 'weekly'), ['3']),
    (search('BODY', 'li'), ['1', '2', '3']),
    (search('TEXT', 'nothing-like-this'), []),
    (search('NOT', 'BODY', 'lighthouse'), ['3']),
    (search('OR', 'SUBJECT', 'lunch', 'SUBJECT', 'newsletter'), ['2', '3']),
    (utf8_search('SUBJECT', 'RÉSUMÉ'), ['1']),
    (utf8_search('BODY', 'grüße'), ['1']),
    (utf8_search('TEXT', 'Café'), ['2']),
]
for i, (got, expected) in enumerate(checks):
    if got != expected:
        print('check', i, 'got', got, 'expected', expected)
        sys.exit(1)
m.logout()
print('OK')
`;

let fx: ImapFixture;
before(async () => {
  fx = await startImapFixture(1);
});
after(() => fx.srv.close());

test('Python imaplib: SEARCH TEXT/BODY/SUBJECT and CHARSET UTF-8 answered with the full-text index', async (t) => {
  if (!requireTool(t, 'python3')) return;
  const user = fx.users[0]!;
  const env = {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(fx.port),
    USER: user.login,
    PASS: user.password,
  };
  const child = spawn('python3', ['-c', SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, output);
  assert.match(output, /^OK$/m);

  // The answers above came through the index: it narrows these needles to the right messages.
  const store = fx.srv.ctx.store;
  const account = await store.getAccount(user.login);
  const box = await store.getMailbox(account!.id, 'Fts');
  assert.deepEqual(
    listOf(await store.searchCandidates!(box!.id, [{ where: 'text', value: 'lighthouse' }])),
    [1, 2],
  );
  assert.deepEqual(listOf(await store.searchCandidates!(box!.id, [{ where: 'body', value: 'grüße' }])), [1]);
});
