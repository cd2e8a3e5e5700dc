/**
 * Issue 5: plaintext credentials are refused on connections that are neither TLS nor from a trusted
 * network. Every listener is bound to 127.0.0.2 and only 127.0.0.1 is trusted, so a client from
 * 127.0.0.2 is a "remote" peer: IMAP says LOGINDISABLED and refuses LOGIN/AUTHENTICATE, POP3 offers no
 * USER/SASL and refuses them with [AUTH], SMTP submission offers no AUTH before STARTTLS (inbound SMTP
 * none at all); after STARTTLS/STLS (or
 * on implicit TLS) logins work. A client from the trusted 127.0.0.1 keeps plaintext login.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { imapConnect, quote } from './helpers/imap.js';
import { pop3Connect, pop3UserPass } from './helpers/pop3.js';
import { smtpConnect } from './helpers/smtp.js';

const HOST = '127.0.0.2';
const REMOTE = { host: HOST, localAddress: HOST };
const USER = 'remote@example.org';
const PASSWORD = 'remote-password';
let srv: TestServer;

before(async () => {
  const listener = { host: HOST, port: 0 };
  srv = await startTestServer({
    trustedNetworks: ['127.0.0.1/32'],
    allowPlaintextAuth: false,
    listeners: {
      imap: listener,
      imaps: listener,
      pop3: listener,
      pop3s: listener,
      smtp: listener,
      submission: listener,
      lmtp: listener,
    },
  });
  await srv.addUser(USER, PASSWORD);
});
after(() => srv.close());

describe('IMAP from an untrusted address', () => {
  test('LOGINDISABLED, no AUTH=, LOGIN and AUTHENTICATE refused; after STARTTLS login works', async () => {
    const imap = await imapConnect(srv.ports.imap!, REMOTE);
    try {
      assert.match(imap.greeting, /LOGINDISABLED/);
      assert.doesNotMatch(imap.greeting, /AUTH=/);
      const caps = (await imap.run('CAPABILITY')).join('\n');
      assert.match(caps, /LOGINDISABLED/);
      assert.match(caps, /STARTTLS/);
      assert.doesNotMatch(caps, /AUTH=/);
      assert.match(
        (await imap.run(`LOGIN ${USER} ${quote(PASSWORD)}`)).at(-1)!,
        /^s\d+ NO \[PRIVACYREQUIRED\]/,
      );
      const ir = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
      assert.match((await imap.run(`AUTHENTICATE PLAIN ${ir}`)).at(-1)!, /^s\d+ NO/);
      // No continuation either: a "+" would invite the client to send its credentials in clear.
      for (const mechanism of ['PLAIN', 'LOGIN']) {
        const lines = await imap.run(`AUTHENTICATE ${mechanism}`);
        assert.ok(!lines.some((l) => l.startsWith('+')), `AUTHENTICATE ${mechanism}: ${lines.join(' | ')}`);
        assert.match(lines.at(-1)!, /^s\d+ NO/);
      }
      assert.match((await imap.run('SELECT INBOX')).at(-1)!, /^s\d+ (NO|BAD)/, 'still not authenticated');

      assert.match((await imap.run('STARTTLS')).at(-1)!, /^s\d+ OK/);
      await imap.client.starttls();
      const secureCaps = (await imap.run('CAPABILITY')).join('\n');
      assert.doesNotMatch(secureCaps, /LOGINDISABLED|STARTTLS/);
      assert.match(secureCaps, /AUTH=PLAIN/);
      assert.match((await imap.run(`LOGIN ${USER} ${quote(PASSWORD)}`)).at(-1)!, /^s\d+ OK/);
    } finally {
      imap.close();
    }
  });

  test('implicit TLS (IMAPS) accepts LOGIN', async () => {
    const imap = await imapConnect(srv.ports.imaps!, { ...REMOTE, tls: true });
    try {
      assert.doesNotMatch(imap.greeting, /LOGINDISABLED/);
      assert.match((await imap.run(`LOGIN ${USER} ${quote(PASSWORD)}`)).at(-1)!, /^s\d+ OK/);
    } finally {
      imap.close();
    }
  });

  test('a client from the trusted 127.0.0.1 may log in without TLS', async () => {
    const imap = await imapConnect(srv.ports.imap!, { host: HOST, localAddress: '127.0.0.1' });
    try {
      assert.doesNotMatch(imap.greeting, /LOGINDISABLED/);
      assert.match((await imap.run(`LOGIN ${USER} ${quote(PASSWORD)}`)).at(-1)!, /^s\d+ OK/);
    } finally {
      imap.close();
    }
  });
});

describe('POP3 from an untrusted address', () => {
  test('CAPA without USER/SASL; USER, PASS and AUTH refused with [AUTH]; after STLS login works', async () => {
    const pop3 = await pop3Connect(srv.ports.pop3!, REMOTE);
    try {
      const capa = await pop3.multi('CAPA');
      assert.ok(capa.lines.includes('STLS'), capa.lines.join(','));
      assert.ok(!capa.lines.some((l) => /^(USER|SASL)\b/.test(l)), capa.lines.join(','));
      assert.match(await pop3.cmd(`USER ${USER}`), /^-ERR \[AUTH\]/);
      assert.match(await pop3.cmd(`PASS ${PASSWORD}`), /^-ERR/);
      const ir = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
      assert.match(await pop3.cmd(`AUTH PLAIN ${ir}`), /^-ERR \[AUTH\]/);
      for (const mechanism of ['PLAIN', 'LOGIN']) {
        assert.match(await pop3.cmd(`AUTH ${mechanism}`), /^-ERR/, `AUTH ${mechanism} must not prompt`);
      }
      assert.match(await pop3.cmd('STAT'), /^-ERR/, 'still not logged in');

      assert.match(await pop3.cmd('STLS'), /^\+OK/);
      await pop3.client.starttls();
      const secure = await pop3.multi('CAPA');
      assert.ok(secure.lines.includes('USER') && !secure.lines.includes('STLS'), secure.lines.join(','));
      assert.match(await pop3UserPass(pop3, USER, PASSWORD), /^\+OK/);
    } finally {
      pop3.close();
    }
  });

  test('implicit TLS (POP3S) accepts USER/PASS', async () => {
    const pop3 = await pop3Connect(srv.ports.pop3s!, { ...REMOTE, tls: true });
    try {
      assert.match(await pop3UserPass(pop3, USER, PASSWORD), /^\+OK/);
    } finally {
      pop3.close();
    }
  });
});

describe('SMTP from an untrusted address', () => {
  test('EHLO offers STARTTLS and no AUTH; AUTH is refused', async () => {
    const smtp = await smtpConnect(srv.ports.smtp!, REMOTE);
    try {
      const ehlo = await smtp.cmd('EHLO client.example');
      assert.ok(
        ehlo.some((l) => /^250[- ]STARTTLS$/.test(l)),
        ehlo.join('\n'),
      );
      assert.ok(!ehlo.some((l) => /^250[- ]AUTH\b/.test(l)), ehlo.join('\n'));
      const ir = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
      assert.match((await smtp.cmd(`AUTH PLAIN ${ir}`)).at(-1)!, /^5\d\d /);
    } finally {
      smtp.close();
    }
  });

  test('submission: no AUTH and no MAIL before STARTTLS; after STARTTLS AUTH PLAIN works', async () => {
    const smtp = await smtpConnect(srv.ports.submission!, REMOTE);
    try {
      const ehlo = await smtp.cmd('EHLO client.example');
      assert.ok(
        ehlo.some((l) => /^250[- ]STARTTLS$/.test(l)),
        ehlo.join('\n'),
      );
      assert.ok(!ehlo.some((l) => /^250[- ]AUTH\b/.test(l)), `AUTH offered in plaintext: ${ehlo.join('\n')}`);
      const ir = Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64');
      assert.match((await smtp.cmd(`AUTH PLAIN ${ir}`)).at(-1)!, /^5\d\d /);
      assert.match((await smtp.cmd('AUTH LOGIN')).at(-1)!, /^5\d\d /, 'no 334 prompt for credentials');
      assert.match((await smtp.cmd('MAIL FROM:<a@example.org>')).at(-1)!, /^5\d\d /, 'MAIL needs AUTH');

      assert.match((await smtp.cmd('STARTTLS')).at(-1)!, /^220 /);
      await smtp.client.starttls();
      const secure = await smtp.cmd('EHLO client.example');
      assert.ok(
        secure.some((l) => /^250[- ]AUTH .*PLAIN/.test(l)),
        secure.join('\n'),
      );
      assert.match((await smtp.cmd(`AUTH PLAIN ${ir}`)).at(-1)!, /^235 /);
    } finally {
      smtp.close();
    }
  });
});
