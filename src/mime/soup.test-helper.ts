/**
 * Shared by the MIME tests: MIME-ish line soup (fast-check) with boundaries, multipart/digest/rfc822
 * headers, encodings, text and mixed line ends (CRLF, LF, lone CR).
 */
import fc from 'fast-check';

const line = fc.oneof(
  fc.constantFrom(
    '',
    '--b',
    '--b--',
    '--c',
    '--c--',
    '--bx',
    'Content-Type: multipart/mixed; boundary=b',
    'Content-Type: multipart/alternative; boundary="c"',
    'Content-Type: multipart/digest; boundary=c',
    'Content-Type: message/rfc822',
    'Content-Type: text/html; charset=utf-8',
    'Content-Type: text/plain; charset=iso-8859-1',
    'Content-Transfer-Encoding: base64',
    'Content-Transfer-Encoding: quoted-printable',
    'MIME-Version: 1.0',
    'Subject: =?utf-8?q?caf=C3=A9?=',
    'From: A <a@example.org>',
    'Date: Mon, 2 Jan 2023 10:00:00 +0100',
    ' folded',
    '<p>hello &amp; <b>bye</b></p>',
    'aGVsbG8gd29ybGQ=',
    '> quoted',
    'caf=C3=A9=',
  ),
  fc.string({ maxLength: 20 }),
);
export const mimeSoup = fc
  .tuple(fc.array(line, { maxLength: 40 }), fc.array(fc.constantFrom('\r\n', '\n', '\r'), { minLength: 1 }))
  .map(([lines, ends]) => Buffer.from(lines.map((l, i) => l + ends[i % ends.length]).join(''), 'latin1'));
