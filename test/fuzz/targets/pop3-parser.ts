/**
 * POP3 wire parsing (src/protocol/pop3): the line receiver fed random chunks, every line through
 * parseCommand and the SASL decoders, and the TOP filter / dot-stuffer on arbitrary bodies. Checks: no
 * throw, lines bounded by the limit, error texts safe to send, dot-stuffed output never ends early.
 */
import fc from 'fast-check';
import { DotStuffer } from '../../../src/protocol/pop3/dot-stuffer.js';
import { LineReceiver } from '../../../src/protocol/pop3/line-receiver.js';
import { parseCommand } from '../../../src/protocol/pop3/parse-command.js';
import { decodeBase64, parsePlain } from '../../../src/protocol/pop3/sasl.js';
import { TopFilter } from '../../../src/protocol/pop3/top-filter.js';
import { commandStream, type FuzzTarget, fragmentedBytes, splitAt } from '../harness.js';

const MAX_LINE = 255;

const FRAGMENTS = [
  'USER ',
  'PASS ',
  'APOP ',
  'AUTH ',
  'AUTH PLAIN ',
  'AUTH LOGIN',
  'STLS',
  'CAPA',
  'UTF8',
  'STAT',
  'LIST ',
  'UIDL ',
  'RETR ',
  'TOP ',
  'DELE ',
  'NOOP',
  'RSET',
  'QUIT',
  '1',
  '0',
  '-1',
  '4294967296',
  ' ',
  '  ',
  '\t',
  'AHVzZXIAcGFzcw==',
  '=',
  '*',
  '\r\n',
  '\n',
  '\r',
  '.',
  '..',
  '\r\n.\r\n',
  'x'.repeat(300),
  '\u0000',
  '\u00e9',
];

const COMMANDS = [
  'USER alice@example.org',
  'PASS secret pass',
  'AUTH',
  'AUTH PLAIN',
  'AUTH PLAIN AGFsaWNlAHB3',
  'AUTH LOGIN YWxpY2U=',
  'AUTH PLAIN =',
  '*',
  'STLS',
  'CAPA',
  'UTF8',
  'STAT',
  'LIST',
  'LIST 1',
  'UIDL 2',
  'RETR 1',
  'TOP 1 0',
  'TOP 2 10',
  'DELE 3',
  'NOOP',
  'RSET',
  'QUIT',
  'APOP a b',
  'list 1',
  'Retr 0001',
  'TOP 1 -1',
  'RETR 99999999999999999999',
];

export interface Pop3Input {
  bytes: Buffer;
  cuts: number[];
  topLines: number;
}

export const pop3ParserTarget: FuzzTarget<Pop3Input> = {
  name: 'pop3-parser',
  arbitrary: fc.record({
    bytes: fc.oneof(
      { weight: 3, arbitrary: commandStream(COMMANDS) },
      { weight: 1, arbitrary: fragmentedBytes(FRAGMENTS, 50) },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 12 }),
    topLines: fc.nat({ max: 5 }),
  }),
  check({ bytes, cuts, topLines }) {
    const chunks = splitAt(bytes, cuts);
    const rx = new LineReceiver(MAX_LINE);
    for (const chunk of chunks) {
      rx.push(chunk);
      for (let got = rx.next(); got; got = rx.next()) {
        if (got.kind === 'too-long') continue;
        if (got.line.length > MAX_LINE) throw new Error(`line of ${got.line.length} bytes passed the limit`);
        const parsed = parseCommand(got.line);
        if (!parsed.ok && /[\r\n]/.test(parsed.text)) throw new Error(`unsafe error text ${parsed.text}`);
        if (parsed.ok && parsed.command.name === 'AUTH' && parsed.command.initialResponse !== undefined) {
          const decoded = decodeBase64(parsed.command.initialResponse);
          if (decoded) parsePlain(decoded);
        }
        const decoded = decodeBase64(got.line.toString('latin1'));
        if (decoded) parsePlain(decoded);
      }
    }
    checkStuffing(chunks);
    const top = new TopFilter(topLines);
    for (const chunk of chunks) if (!top.done) top.push(chunk);
  },
};

/** A stuffed body + terminator must contain CRLF.CRLF only at its very end (nothing can end it early). */
function checkStuffing(chunks: Buffer[]): void {
  const stuffer = new DotStuffer();
  const out = Buffer.concat([...chunks.map((c) => Buffer.from(stuffer.push(c))), stuffer.end()]);
  const withStart = Buffer.concat([Buffer.from('\r\n'), out]);
  const end = withStart.indexOf('\r\n.\r\n');
  if (end !== withStart.length - 5) throw new Error(`terminator at ${end} of ${withStart.length}`);
}
