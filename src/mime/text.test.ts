import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analyzeMessage } from './analyze.js';
import { parseDate, parseDateWithZone } from './date.js';
import { loadFixtures } from './fixtures.test-helper.js';
import { decodeRfc2231Value } from './rfc2231.js';
import { decodeHeaderValue, htmlToText } from './text.js';

const fixture = (name: string): Buffer => {
  const found = loadFixtures().find((f) => f.name === name);
  assert.ok(found, name);
  return found.raw;
};

describe('decoded text', () => {
  it('decodes RFC 2047 words in several charsets (libmime)', () => {
    assert.equal(decodeHeaderValue('=?utf-8?q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?='), 'Grüße aus München');
    assert.equal(decodeHeaderValue('=?iso-8859-1?b?UulzdW3pIGRlIGxhIHLpdW5pb24=?='), 'Résumé de la réunion');
    assert.equal(
      decodeHeaderValue('=?ISO-2022-JP?B?GyRCJTUlcyVXJWsbKEI=?= =?koi8-r?Q?=F0=D2=C9=D7=C5=D4?='),
      'サンプルПривет',
    );
    assert.equal(decodeHeaderValue('=?windows-1252?Q?=93quotes=94?=\r\n and more'), '“quotes” and more');
    assert.equal(decodeHeaderValue('plain'), 'plain');
  });
  it('decodes RFC 2231 values', () => {
    assert.equal(decodeRfc2231Value("utf-8''r%C3%A9sum%C3%A9.txt"), 'résumé.txt');
    assert.equal(decodeRfc2231Value("iso-8859-1'fr'caf%E9"), 'café');
    assert.equal(decodeRfc2231Value('no-quotes'), 'no-quotes');
  });
  it('builds search text and preview from decoded parts', () => {
    const qp = analyzeMessage(fixture('003-qp-utf8'));
    assert.match(qp.headerText, /Subject: Grüße aus München/);
    assert.match(qp.headerText, /From: Jörg Müller <joerg@example.de>/);
    assert.match(
      qp.bodyText,
      /Schöne Grüße aus München, das ist eine sehr lange Zeile die weich umgebrochen wurde\./,
    );
    assert.ok(qp.preview.startsWith('Schöne Grüße aus München'));
    assert.equal(qp.sentDate, Date.UTC(2023, 10, 15, 7, 0, 0));
    assert.equal(qp.sentZone, 60); // Date: Wed, 15 Nov 2023 08:00:00 +0100

    const latin = analyzeMessage(fixture('004-base64-latin1'));
    assert.match(latin.bodyText, /Voilà le résumé de la réunion\./);

    const html = analyzeMessage(fixture('026-html-only'));
    assert.equal(html.preview, 'Big sale – everything 50€ off! Café & more here.');
    assert.ok(!html.bodyText.includes('color:red'));

    const forwarded = analyzeMessage(fixture('008-forwarded-message'));
    assert.match(forwarded.bodyText, /Subject: original/);
    assert.match(forwarded.bodyText, /Original text\./);

    const jp = analyzeMessage(fixture('011-charsets'));
    assert.match(jp.bodyText, /日本語 text/);
  });
  it('keeps the preview short and skips quoted lines', () => {
    const long = Buffer.from(`Subject: x\r\n\r\n> quoted\r\n${'word '.repeat(200)}\r\n`);
    const meta = analyzeMessage(long);
    assert.equal(Array.from(meta.preview).length, 200);
    assert.ok(meta.preview.startsWith('word word'));
  });
  it('strips HTML', () => {
    assert.equal(htmlToText('<p>a&amp;b</p><script>x()</script>&#233;').replace(/\s+/g, ' ').trim(), 'a&b é');
  });
  it('parses dates', () => {
    assert.equal(parseDate('Tue, 14 Nov 2023 22:52:43 +0000'), Date.UTC(2023, 10, 14, 22, 52, 43));
    assert.equal(parseDate('21 Nov 2023 10:00 GMT'), Date.UTC(2023, 10, 21, 10, 0, 0));
    assert.equal(parseDate('Fri, 24 Nov 2023\r\n 15:00:00 -0500 (EST)'), Date.UTC(2023, 10, 24, 20, 0, 0));
    assert.equal(parseDate('garbage'), null);
    const late = parseDateWithZone('Tue, 14 Nov 2023 23:30:00 -0500');
    assert.deepEqual(late, { ms: Date.UTC(2023, 10, 15, 4, 30), offsetMinutes: -300 });
    assert.equal(
      Math.floor(((late?.ms ?? 0) + (late?.offsetMinutes ?? 0) * 60000) / 86400000),
      Math.floor(Date.UTC(2023, 10, 14) / 86400000),
    );
  });
});
