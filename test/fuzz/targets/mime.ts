/**
 * The MIME engine (src/mime: analyzeMessage) on hostile messages: random headers, broken and deeply
 * nested multiparts, encoded words, bad encodings. Checks: no throw (the DESIGN.md contract: it never
 * throws on any input and bounds nesting), every field of the result of the expected type, the encoded
 * ENVELOPE/BODYSTRUCTURE parenthesised and balanced.
 */
import fc from 'fast-check';
import { analyzeMessage } from '../../../src/mime/index.js';
import { type FuzzTarget, fragmentedBytes } from '../harness.js';

const FRAGMENTS = [
  'From: a <a@b.example>\r\n',
  'To: "x, y" <x@y>, group: c@d;\r\n',
  'Subject: =?utf-8?B?w6k=?= =?iso-8859-1?Q?=E9?=\r\n',
  'Subject: =?bogus?X?zz?=\r\n',
  'Date: Mon, 2 Mar 2026 10:00:00 +0000\r\n',
  'Date: yesterday\r\n',
  'Content-Type: multipart/mixed; boundary="b"\r\n',
  'Content-Type: multipart/alternative; boundary=b\r\n',
  'Content-Type: message/rfc822\r\n',
  'Content-Type: text/plain; charset="x-unknown"\r\n',
  "Content-Type: text/plain; name*0*=utf-8''%E2%82; name*1*=%AC\r\n",
  'Content-Type: ;;;\r\n',
  'Content-Transfer-Encoding: base64\r\n',
  'Content-Transfer-Encoding: quoted-printable\r\n',
  'Content-Disposition: attachment; filename="a.txt"\r\n',
  'Message-ID: <m@x>\r\n',
  'In-Reply-To: <\r\n',
  ' folded continuation\r\n',
  '\tfolded\r\n',
  '\r\n',
  '\n',
  '\r',
  '--b\r\n',
  '--b--\r\n',
  '--b',
  '=E9=\r\n',
  '=ZZ',
  'SGVsbG8=\r\n',
  '!!!!\r\n',
  ':',
  `X-Long: ${'y'.repeat(2000)}\r\n`,
  '\u0000',
  '\u00ff\u00fe',
];

/** A message nested `depth` times (multipart inside message/rfc822 inside multipart ...). */
const nested = fc.integer({ min: 1, max: 400 }).map((depth) => {
  let body = 'Content-Type: text/plain\r\n\r\ninner\r\n';
  for (let i = 0; i < depth; i++) {
    const b = `b${i}`;
    body =
      i % 2 === 0
        ? `Content-Type: multipart/mixed; boundary="${b}"\r\n\r\n--${b}\r\n${body}\r\n--${b}--\r\n`
        : `Content-Type: message/rfc822\r\n\r\n${body}`;
  }
  return Buffer.from(`From: a@b\r\nSubject: nested\r\n${body}`, 'latin1');
});

export const mimeTarget: FuzzTarget<Buffer> = {
  name: 'mime',
  arbitrary: fc.oneof(
    { weight: 5, arbitrary: fragmentedBytes(FRAGMENTS, 60) },
    { weight: 1, arbitrary: nested },
  ),
  check(raw) {
    const meta = analyzeMessage(raw);
    for (const key of [
      'envelope',
      'bodyStructure',
      'body',
      'structure',
      'preview',
      'headerText',
      'bodyText',
    ] as const) {
      if (typeof meta[key] !== 'string') throw new Error(`${key} is ${typeof meta[key]}`);
    }
    if (meta.sentDate !== null && !Number.isFinite(meta.sentDate))
      throw new Error(`sentDate ${meta.sentDate}`);
    for (const key of ['envelope', 'bodyStructure', 'body'] as const) assertBalanced(key, meta[key]);
  },
};

/** Parentheses balance outside quoted strings and literals; literal lengths count UTF-8 bytes (as sent). */
function assertBalanced(what: string, text: string): void {
  if (!text.startsWith('(') || !text.endsWith(')'))
    throw new Error(`${what} is not a list: ${text.slice(0, 80)}`);
  const bytes = Buffer.from(text, 'utf8');
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < bytes.length; i++) {
    const ch = String.fromCharCode(bytes[i]!);
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '{') {
      const m = /^\{(\d+)\}\r\n/.exec(bytes.subarray(i, i + 24).toString('latin1'));
      if (!m) throw new Error(`${what}: "{" that does not start a literal at ${i}`);
      i += m[0].length + Number(m[1]) - 1;
      if (i >= bytes.length) throw new Error(`${what}: literal runs past the end`);
    } else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) throw new Error(`${what}: unbalanced at ${i}`);
  }
  if (depth !== 0 || quoted) throw new Error(`${what}: unbalanced (depth ${depth}, quoted ${quoted})`);
}
