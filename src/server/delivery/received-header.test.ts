import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildReceivedHeader, formatRfc5322Date } from './received-header.js';

const date = new Date(Date.UTC(2026, 10, 26, 7, 5, 9));

test('RFC 5322 date in UTC', () => {
  assert.equal(formatRfc5322Date(date), 'Thu, 26 Nov 2026 07:05:09 +0000');
});

test('Received header names client, us, protocol, id and the single recipient', () => {
  const header = buildReceivedHeader({
    helo: 'mta.example.net',
    clientHostname: '[127.0.0.1]',
    remoteAddress: '127.0.0.1',
    hostname: 'mail.example.org',
    protocol: 'LMTP',
    id: 'abc.1',
    recipient: 'user@example.org',
    date,
  });
  assert.equal(
    header,
    'Received: from mta.example.net ([127.0.0.1])\r\n' +
      '\tby mail.example.org with LMTP id abc.1\r\n' +
      '\tfor <user@example.org>;\r\n' +
      '\tThu, 26 Nov 2026 07:05:09 +0000\r\n',
  );
});

test('client-supplied tokens cannot break the header', () => {
  const header = buildReceivedHeader({
    helo: 'evil\r\nX-Injected: yes',
    clientHostname: '',
    remoteAddress: '10.0.0.1',
    hostname: 'h',
    protocol: 'ESMTP',
    id: '1',
    date,
  });
  assert.equal(header.split('\r\n').length, 4);
  assert.ok(!header.includes('\r\nX-Injected'));
  assert.ok(header.startsWith('Received: from evilX-Injected:yes (unknown [10.0.0.1])'));
});
