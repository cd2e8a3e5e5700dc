/**
 * Submission AUTH SCRAM-SHA-256[-PLUS] (RFC 4954, RFC 7677). GNU SASL's `gsasl --smtp` is the client for
 * the exchange itself, channel bindings included (tls-exporter on TLS 1.3, tls-unique on TLS 1.2);
 * Python's smtplib, with the few lines of SCRAM client arithmetic it lacks, for what EHLO lists and the
 * failure replies; a raw socket for malformed exchanges.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { requireTool } from '../helpers/tools.js';
import { runTool } from './helpers/run-tool.js';
import { RawSmtpClient } from './helpers/smtp-client.js';

const USER = 'gina@example.org';
const PASSWORD = 'correct horse';
const OFF = { enabled: false };

async function startSubmission(limits: { maxAuthFailures?: number } = {}): Promise<TestServer> {
  const srv = await startTestServer(
    {
      localDomains: ['example.org'],
      limits,
      listeners: { imap: OFF, imaps: OFF, pop3: OFF, pop3s: OFF, smtp: OFF, lmtp: OFF },
    },
    { auth: { sleep: async () => {} } },
  );
  await srv.addUser(USER, PASSWORD);
  return srv;
}

/** gsasl's SMTP client: EHLO, STARTTLS unless `plaintext`, AUTH, QUIT. Its transcript is on stdout. */
async function gsaslSmtp(
  port: number,
  mechanism: string,
  password: string,
  options: { plaintext?: boolean; tls12?: boolean } = {},
) {
  const args = ['--smtp', '--connect', `127.0.0.1:${port}`, '-m', mechanism, '-a', USER, '-p', password];
  if (options.plaintext) args.push('--no-starttls');
  else args.push('--starttls', '--x509-ca-file', '');
  if (options.tls12) args.push('--priority', 'NORMAL:-VERS-TLS1.3');
  const run = await runTool('gsasl', args, '');
  const transcript = `${run.stdout}\n${run.stderr}`;
  // The client-first message is the first base64 line after the server's empty "334 " challenge.
  const lines = run.stdout.split(/\r?\n/);
  const afterChallenge = lines.indexOf('334 ');
  const clientFirst =
    afterChallenge >= 0 ? Buffer.from(lines[afterChallenge + 1] ?? '', 'base64').toString() : '';
  return { status: run.status, transcript, clientFirst };
}

/**
 * smtplib over plaintext, STARTTLS or implicit TLS: prints the AUTH mechanisms of the last EHLO and,
 * with a mechanism, the AUTH reply (and MAIL's after a success).
 */
const PYTHON_CLIENT = `
import base64, hashlib, hmac, json, os, smtplib, ssl, sys
port, tls, mechanism, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = smtplib.SMTP_SSL('127.0.0.1', port, context=ctx) if tls == 'implicit' else smtplib.SMTP('127.0.0.1', port)
s.ehlo('client.example')
if tls == 'starttls':
    s.starttls(context=ctx)
    s.ehlo('client.example')
out = {'auth': s.esmtp_features.get('auth', '').strip()}
first_bare = 'n=%s,r=%s' % (user, base64.b64encode(os.urandom(18)).decode())
def scram(challenge=None):
    # RFC 5802 3 client side, without channel binding ("n,,").
    if challenge is None:
        return 'n,,' + first_bare
    text = challenge.decode()
    if text.startswith('v='):
        return ''
    fields = dict(kv.split('=', 1) for kv in text.split(','))
    salted = hashlib.pbkdf2_hmac('sha256', password.encode(), base64.b64decode(fields['s']), int(fields['i']))
    client_key = hmac.digest(salted, b'Client Key', 'sha256')
    final_bare = 'c=biws,r=' + fields['r']
    signature = hmac.digest(hashlib.sha256(client_key).digest(), ('%s,%s,%s' % (first_bare, text, final_bare)).encode(), 'sha256')
    return final_bare + ',p=' + base64.b64encode(bytes(a ^ b for a, b in zip(client_key, signature))).decode()
if mechanism:
    try:
        code, text = s.auth(mechanism, scram)
        out['mail'] = s.mail(user)[0]
    except smtplib.SMTPAuthenticationError as e:
        code, text = e.smtp_code, e.smtp_error
    out['reply'] = '%d %s' % (code, text.decode())
s.quit()
print(json.dumps(out))
`;

async function smtplib(
  port: number,
  tls: 'none' | 'starttls' | 'implicit',
  mechanism = '',
  password = PASSWORD,
): Promise<{ auth: string; reply?: string; mail?: number }> {
  const run = await runTool('python3', ['-c', PYTHON_CLIENT, String(port), tls, mechanism, USER, password]);
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('submission SCRAM-SHA-256[-PLUS]', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startSubmission();
  });
  after(() => srv.close());

  test('EHLO lists SCRAM-SHA-256, and -PLUS only on TLS (STARTTLS or implicit)', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const port = srv.ports.submission as number;
    assert.equal((await smtplib(port, 'none')).auth, 'PLAIN LOGIN SCRAM-SHA-256');
    assert.equal((await smtplib(port, 'starttls')).auth, 'PLAIN LOGIN SCRAM-SHA-256-PLUS SCRAM-SHA-256');
    const implicit = await smtplib(srv.ports.submissions as number, 'implicit');
    assert.equal(implicit.auth, 'PLAIN LOGIN SCRAM-SHA-256-PLUS SCRAM-SHA-256');
  });

  test('gsasl SCRAM-SHA-256-PLUS after STARTTLS: tls-exporter on TLS 1.3, tls-unique on TLS 1.2', async (t) => {
    if (!requireTool(t, 'gsasl')) return;
    const port = srv.ports.submission as number;
    const tls13 = await gsaslSmtp(port, 'SCRAM-SHA-256-PLUS', PASSWORD);
    assert.match(tls13.clientFirst, /^p=tls-exporter,,n=gina@example\.org,r=/, tls13.transcript);
    assert.match(tls13.transcript, /^235 2\.7\.0 Authentication successful$/m, tls13.transcript);
    // gsasl checked our server signature (v=) before answering it with the empty line.
    assert.match(tls13.transcript, /Client authentication finished \(server trusted\)/, tls13.transcript);
    const tls12 = await gsaslSmtp(port, 'SCRAM-SHA-256-PLUS', PASSWORD, { tls12: true });
    assert.match(tls12.clientFirst, /^p=tls-unique,,n=gina@example\.org,r=/, tls12.transcript);
    assert.match(tls12.transcript, /^235 2\.7\.0 Authentication successful$/m, tls12.transcript);
  });

  test('gsasl SCRAM-SHA-256 on plaintext (trusted loopback); a wrong password is 535', async (t) => {
    if (!requireTool(t, 'gsasl')) return;
    const port = srv.ports.submission as number;
    const ok = await gsaslSmtp(port, 'SCRAM-SHA-256', PASSWORD, { plaintext: true });
    assert.match(ok.clientFirst, /^n,,n=gina@example\.org,r=/, ok.transcript);
    assert.match(ok.transcript, /^235 2\.7\.0 Authentication successful$/m, ok.transcript);
    const wrong = await gsaslSmtp(port, 'SCRAM-SHA-256-PLUS', 'wrong');
    assert.match(wrong.transcript, /^535 5\.7\.8 Authentication failed$/m, wrong.transcript);
    assert.notEqual(wrong.status, 0);
  });

  test('smtplib: SCRAM-SHA-256 then MAIL; wrong password 535; unknown user 535; -PLUS without TLS 504', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const port = srv.ports.submission as number;
    const ok = await smtplib(port, 'starttls', 'SCRAM-SHA-256');
    assert.equal(ok.reply, '235 2.7.0 Authentication successful');
    assert.equal(ok.mail, 250);
    assert.equal(
      (await smtplib(port, 'none', 'SCRAM-SHA-256', 'wrong')).reply,
      '535 5.7.8 Authentication failed',
    );
    assert.equal(
      (await smtplib(port, 'none', 'SCRAM-SHA-256-PLUS')).reply,
      '504 5.5.4 Error: Unrecognized authentication type',
    );
  });

  test('raw socket: bad base64, "*", a malformed first message and extra arguments are 501', async () => {
    const client = await RawSmtpClient.connect(srv.ports.submission as number);
    await client.read();
    await client.command('EHLO raw.example');
    assert.equal(
      (await client.command('AUTH SCRAM-SHA-256 bm90!YmFzZTY0')).text,
      '501 5.5.4 Malformed authentication response',
    );
    assert.equal(
      (await client.command('AUTH SCRAM-SHA-256 =')).text,
      '501 5.5.4 Malformed authentication response',
    );
    assert.equal(
      (await client.command(`AUTH SCRAM-SHA-256 ${b64('x,,n=a,r=b')}`)).text,
      '501 5.5.4 Malformed authentication response',
    );
    assert.equal((await client.command('AUTH SCRAM-SHA-256 a b')).code, 501);
    // Without an initial response: the empty challenge, then "*" cancels (RFC 4954 4).
    assert.equal((await client.command('AUTH SCRAM-SHA-256')).text, '334 ');
    assert.equal((await client.command('*')).text, '501 5.5.4 Authentication cancelled');
    // Cancelled in the middle, after the server-first message.
    const serverFirst = await client.command(`AUTH SCRAM-SHA-256 ${b64(`n,,n=${USER},r=abcdefgh`)}`);
    assert.match(serverFirst.text, /^334 /);
    assert.match(
      Buffer.from(serverFirst.text.slice(4), 'base64').toString(),
      /^r=abcdefgh[^,]+,s=[^,]+,i=\d+$/,
    );
    assert.equal((await client.command('###')).text, '501 5.5.4 Malformed authentication response');
    // The connection is still usable, and nothing authenticated it.
    assert.match((await client.command('MAIL FROM:<gina@example.org>')).text, /^530 /);
    assert.match((await client.command(`AUTH PLAIN ${b64(`\0${USER}\0${PASSWORD}`)}`)).text, /^235 /);
    assert.match((await client.command('AUTH SCRAM-SHA-256')).text, /^503 /);
    client.close();
  });
});

describe('submission SCRAM and the shared throttle', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startSubmission({ maxAuthFailures: 2 });
  });
  after(() => srv.close());

  test('wrong SCRAM proofs block the address for SCRAM and PLAIN alike (454)', async (t) => {
    if (!requireTool(t, 'python3')) return;
    const port = srv.ports.submission as number;
    for (let i = 0; i < 2; i++) {
      assert.equal(
        (await smtplib(port, 'none', 'SCRAM-SHA-256', 'wrong')).reply,
        '535 5.7.8 Authentication failed',
      );
    }
    const blocked = '454 4.7.0 Too many failed logins from your address, try again later';
    assert.equal((await smtplib(port, 'none', 'SCRAM-SHA-256')).reply, blocked);
    const client = await RawSmtpClient.connect(port);
    await client.read();
    await client.command('EHLO raw.example');
    assert.equal((await client.command(`AUTH PLAIN ${b64(`\0${USER}\0${PASSWORD}`)}`)).text, blocked);
    client.close();
  });
});
