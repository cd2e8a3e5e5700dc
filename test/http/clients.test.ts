/**
 * What mail apps fetch, over real HTTP: autoconfig read the way Thunderbird reads it (by address, on
 * both URLs it tries, every field checked against the running listeners), Autodiscover's POST, and the
 * Apple profile parsed as a property list. A disabled listener is never announced.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { TestServer } from '../helpers/server.js';
import { TEST_HOSTNAME } from '../helpers/server.js';
import { ALICE, startWebServer, WebClient, webUrl } from './helpers.js';
import { parsePlist } from './plist.js';
import { readAutoconfig } from './thunderbird-reader.js';

/** A GET with our own Host header, as a client that resolved autoconfig.DOMAIN to us would send it. */
function get(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const AUTODISCOVER_REQUEST = (email: string) => `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request>
    <EMailAddress>${email}</EMailAddress>
    <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;

describe('client configuration', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startWebServer();
  });
  after(() => srv.close());

  test('autoconfig by email address on both URLs Thunderbird tries, every field matching the running server', async () => {
    const email = ALICE.email;
    const urls: Array<[string, string]> = [
      [`/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(email)}`, 'autoconfig.example.com'],
      [
        `/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(email)}`,
        'example.com',
      ],
    ];
    for (const [path, host] of urls) {
      const response = await get(srv.ports.http!, path, host);
      assert.equal(response.status, 200, path);
      assert.match(response.type, /^application\/xml/);
      const config = readAutoconfig(response.body, email);
      assert.equal(config.id, 'example.com');
      assert.deepEqual(config.domains, ['example.com']);
      const expected = (type: string, port: number, socketType: string) => ({
        type,
        hostname: TEST_HOSTNAME,
        port,
        socketType,
        auth: 'password-cleartext',
        username: email,
      });
      assert.deepEqual(
        config.incoming,
        expected('imap', srv.ports.imaps!, 'SSL'),
        'IMAP over TLS is the choice',
      );
      const pop3 = { leaveMessagesOnServer: true, downloadOnBiff: true, daysToLeaveMessagesOnServer: 14 };
      assert.deepEqual(config.incomingAlternatives, [
        expected('imap', srv.ports.imap!, 'STARTTLS'),
        { ...expected('pop3', srv.ports.pop3s!, 'SSL'), pop3 },
        { ...expected('pop3', srv.ports.pop3!, 'STARTTLS'), pop3 },
      ]);
      assert.deepEqual(config.outgoing, expected('smtp', srv.ports.submissions!, 'SSL'));
      assert.deepEqual(config.outgoingAlternatives, [expected('smtp', srv.ports.submission!, 'STARTTLS')]);
      assert.match(config.documentationUrl ?? '', /\/login$/);
    }
    // Without the address, the host name says the domain.
    const byHost = await get(srv.ports.http!, '/mail/config-v1.1.xml', 'autoconfig.example.com');
    assert.equal(readAutoconfig(byHost.body, email).id, 'example.com');
  });

  test('autoconfig refuses domains that are not ours and unknown users look like real ones', async () => {
    const other = await get(
      srv.ports.http!,
      '/mail/config-v1.1.xml?emailaddress=a%40example.org',
      'autoconfig.example.org',
    );
    assert.equal(other.status, 404);
    const ghost = await get(srv.ports.http!, '/mail/config-v1.1.xml?emailaddress=ghost%40example.com', 'x');
    const real = await get(
      srv.ports.http!,
      `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(ALICE.email)}`,
      'x',
    );
    assert.equal(ghost.status, 200);
    assert.equal(ghost.body, real.body);
  });

  test('Autodiscover (POX) answers the POST with every protocol, and 400 for a bad request', async () => {
    const web = new WebClient(webUrl(srv, ''));
    const response = await web.request('/autodiscover/autodiscover.xml', {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: AUTODISCOVER_REQUEST(ALICE.email),
    });
    assert.equal(response.status, 200);
    const xml = await response.text();
    const protocols = [...xml.matchAll(/<Protocol>([\s\S]*?)<\/Protocol>/g)].map((m) => {
      const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(m[1]!)?.[1];
      return [field('Type'), field('Server'), Number(field('Port')), field('Encryption'), field('LoginName')];
    });
    assert.deepEqual(protocols, [
      ['IMAP', TEST_HOSTNAME, srv.ports.imaps, 'SSL', ALICE.email],
      ['IMAP', TEST_HOSTNAME, srv.ports.imap, 'TLS', ALICE.email],
      ['POP3', TEST_HOSTNAME, srv.ports.pop3s, 'SSL', ALICE.email],
      ['POP3', TEST_HOSTNAME, srv.ports.pop3, 'TLS', ALICE.email],
      ['SMTP', TEST_HOSTNAME, srv.ports.submissions, 'SSL', ALICE.email],
      ['SMTP', TEST_HOSTNAME, srv.ports.submission, 'TLS', ALICE.email],
    ]);
    assert.match(
      xml,
      /<Response xmlns="http:\/\/schemas\.microsoft\.com\/exchange\/autodiscover\/outlook\/responseschema\/2006a">/,
    );
    assert.match(xml, /<Action>settings<\/Action>/);

    const bad = await web.request('/Autodiscover/Autodiscover.xml', {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<Autodiscover><Request></Request></Autodiscover>',
    });
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /<ErrorCode>600<\/ErrorCode>/);
  });

  test('the Apple profile is a valid property list with the running ports, for IMAP and POP3', async () => {
    const web = new WebClient(webUrl(srv, ''));
    assert.equal((await web.signIn(ALICE.email, ALICE.password)).status, 303);
    for (const [protocol, type, port] of [
      ['imap', 'EmailTypeIMAP', srv.ports.imaps],
      ['pop3', 'EmailTypePOP', srv.ports.pop3s],
    ] as const) {
      const response = await web.request(`/account/profile/${protocol}.mobileconfig`);
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('content-type'), 'application/x-apple-aspen-config');
      assert.match(
        response.headers.get('content-disposition') ?? '',
        /attachment; filename=".+\.mobileconfig"/,
      );
      const profile = parsePlist(await response.text());
      assert.equal(profile.PayloadType, 'Configuration');
      assert.equal(profile.PayloadVersion, 1);
      assert.match(
        String(profile.PayloadUUID),
        /^[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
      );
      const [mail] = profile.PayloadContent as Array<Record<string, unknown>>;
      assert.deepEqual(
        {
          type: mail!.PayloadType,
          account: mail!.EmailAccountType,
          address: mail!.EmailAddress,
          host: mail!.IncomingMailServerHostName,
          port: mail!.IncomingMailServerPortNumber,
          ssl: mail!.IncomingMailServerUseSSL,
          user: mail!.IncomingMailServerUsername,
          auth: mail!.IncomingMailServerAuthentication,
          outHost: mail!.OutgoingMailServerHostName,
          outPort: mail!.OutgoingMailServerPortNumber,
          samePassword: mail!.OutgoingPasswordSameAsIncomingPassword,
        },
        {
          type: 'com.apple.mail.managed',
          account: type,
          address: ALICE.email,
          host: TEST_HOSTNAME,
          port,
          ssl: true,
          user: ALICE.email,
          auth: 'EmailAuthPassword',
          outHost: TEST_HOSTNAME,
          outPort: srv.ports.submissions,
          samePassword: true,
        },
      );
      assert.ok(!('IncomingPassword' in mail!), 'no password in the file');
    }
  });
});

describe('client configuration with listeners turned off', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startWebServer({
      listeners: { imaps: { enabled: false }, pop3: { enabled: false }, submissions: { enabled: false } },
    });
  });
  after(() => srv.close());

  test('never announces a disabled listener', async () => {
    const response = await get(
      srv.ports.http!,
      `/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(ALICE.email)}`,
      'x',
    );
    const config = readAutoconfig(response.body, ALICE.email);
    const announced = [
      config.incoming,
      ...config.incomingAlternatives,
      config.outgoing,
      ...config.outgoingAlternatives,
    ].map((s) => `${s.type}:${s.port}:${s.socketType}`);
    assert.deepEqual(announced, [
      `imap:${srv.ports.imap}:STARTTLS`,
      `pop3:${srv.ports.pop3s}:SSL`,
      `smtp:${srv.ports.submission}:STARTTLS`,
    ]);
  });
});
