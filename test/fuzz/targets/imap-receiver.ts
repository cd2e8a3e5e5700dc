/**
 * IMAP receiver (src/protocol/imap/receiver.ts) driven like a session would drive it: bytes pushed in
 * random chunks, every event pulled, IDLE/AUTHENTICATE/STARTTLS/APPEND reactions applied. Checks: no
 * throw, every event well-formed, nothing left queued after a drain, held bytes bounded by the limits.
 */
import fc from 'fast-check';
import { ImapReceiver } from '../../../src/protocol/imap/receiver.js';
import type { ReceiverEvent } from '../../../src/protocol/imap/receiver-events.js';
import { commandStream, type FuzzTarget, fragmentedBytes, splitAt } from '../harness.js';

const LIMITS = {
  maxLineLength: 1024,
  maxLiteralSize: 512,
  maxCommandSize: 2048,
  maxAppendSize: 2048,
  maxDiscardSize: 4096,
  maxNesting: 20,
};

const FRAGMENTS = [
  'a1 ',
  'b2 ',
  '* ',
  'NOOP',
  'CAPABILITY',
  'LOGIN ',
  'AUTHENTICATE PLAIN',
  'AUTHENTICATE PLAIN =',
  'STARTTLS',
  'SELECT ',
  'EXAMINE ',
  'INBOX',
  '"a b"',
  '"\\"q\\\\"',
  'FETCH ',
  '1:*',
  '*:4,7',
  '1,2,3:5 ',
  '(FLAGS BODY.PEEK[HEADER.FIELDS (From To)]<0.100> BINARY[1.2] ENVELOPE)',
  'BODY[]',
  'UID ',
  'STORE ',
  '+FLAGS.SILENT (\\Deleted)',
  'SEARCH ',
  'CHARSET UTF-8 ',
  'OR ',
  'NOT ',
  'SINCE 1-Feb-2020 ',
  'HEADER Subject x ',
  'MODSEQ 5 ',
  '(',
  ')',
  '[',
  ']',
  '<',
  '>',
  'APPEND INBOX ',
  '(\\Seen) ',
  '" 1-Feb-2020 10:00:00 +0000" ',
  '{5}',
  '{3+}',
  '{0}',
  '~{4+}',
  '{99999999999}',
  '{4294967296+}',
  '{2048+}',
  '\r\n',
  '\n',
  '\r',
  'IDLE',
  'DONE',
  'ENABLE IMAP4rev2 UTF8=ACCEPT',
  'LIST "" *',
  'LIST (SUBSCRIBED) "" % RETURN (STATUS (MESSAGES))',
  'STATUS INBOX (MESSAGES UIDNEXT SIZE)',
  'COPY 1:3 Trash',
  'MOVE 1 "x/y"',
  'EXPUNGE',
  'UID EXPUNGE 1:9',
  'CREATE &AOQ-',
  'RENAME a b',
  'ID ("name" "x")',
  'LOGOUT',
  '\u00ff\u00fe',
  '\u0000',
  'x'.repeat(300),
];

export interface ImapInput {
  bytes: Buffer;
  cuts: number[];
  /** Per appendBegin: accept (send "+ Ready") or refuse (abortAppend). */
  refuseAppends: boolean;
}

/** Well-formed commands (mutated by commandStream), literals and mode switches included. */
const COMMANDS = [
  'a1 NOOP',
  'a2 CAPABILITY',
  'a3 LOGIN "user@example.org" "p w"',
  'a4 LOGIN {4}\r\nuser {2+}\r\npw',
  'a5 SELECT INBOX',
  'a6 EXAMINE "Lists/Sub" (CONDSTORE)',
  'a7 FETCH 1:* (FLAGS UID RFC822.SIZE ENVELOPE BODYSTRUCTURE)',
  'a8 UID FETCH 1,3:5,9:* (BODY.PEEK[HEADER.FIELDS (From To Subject)]<0.100> BINARY[1.2] MODSEQ) (CHANGEDSINCE 5)',
  'a9 FETCH 2 (BODY[1.MIME] BODY[2.HEADER] BODY[TEXT]<10.20> PREVIEW)',
  'b1 UID SEARCH RETURN (MIN MAX COUNT) CHARSET UTF-8 OR FROM alice NOT SEEN SINCE 1-Feb-2020 HEADER X-Y z',
  'b2 SEARCH (OR (OR ANSWERED DELETED) (NOT (LARGER 100))) UID 1:* MODSEQ 7 {3+}\r\nabc',
  'b3 STORE 1:3 +FLAGS.SILENT (\\Deleted \\Seen $Junk)',
  'b4 UID STORE 5 (UNCHANGEDSINCE 9) FLAGS ()',
  'b5 APPEND INBOX (\\Seen) " 1-Feb-2020 10:00:00 +0000" {5}\r\nhello',
  'b6 APPEND INBOX {3+}\r\nabc {2+}\r\nde',
  'b7 APPEND INBOX ~{4+}\r\nab\x00c',
  'b8 APPEND INBOX {99999999}',
  'b9 IDLE\r\nDONE',
  'c1 AUTHENTICATE PLAIN\r\nAGEAYg==',
  'c2 AUTHENTICATE PLAIN\r\n*',
  'c3 AUTHENTICATE PLAIN AGEAYg==',
  'c4 STARTTLS\r\nc5 NOOP',
  'c6 LIST "" *',
  'c7 LIST (SUBSCRIBED RECURSIVEMATCH) "" (INBOX "%") RETURN (CHILDREN STATUS (MESSAGES UIDNEXT SIZE))',
  'c8 STATUS "&AOQ-" (MESSAGES UNSEEN HIGHESTMODSEQ)',
  'c9 COPY 1:3 Trash',
  'd1 UID MOVE 1:* "a/b"',
  'd2 EXPUNGE',
  'd3 UID EXPUNGE 1:9',
  'd4 CREATE "x/y" (USE (\\Archive))',
  'd5 RENAME a b',
  'd6 ENABLE IMAP4rev2 UTF8=ACCEPT QRESYNC',
  'd7 SELECT INBOX (QRESYNC (1 2 1:5 (1:3 4:6)))',
  'd8 ID ("name" "fuzz" "version" NIL)',
  'd9 NAMESPACE',
  'e1 LOGOUT',
  'e2 SUBSCRIBE {3}\r\nabc',
  'e3 UNSELECT',
  'e4 CLOSE',
  'e5 CHECK',
  'e6 GETQUOTAROOT INBOX',
];

const arbitrary: fc.Arbitrary<ImapInput> = fc.record({
  bytes: fc.oneof(
    { weight: 4, arbitrary: commandStream(COMMANDS) },
    { weight: 1, arbitrary: fragmentedBytes(FRAGMENTS, 60) },
  ),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
  refuseAppends: fc.boolean(),
});

const EVENT_TYPES = new Set<ReceiverEvent['type']>([
  'command',
  'continue',
  'error',
  'appendBegin',
  'appendData',
  'appendMessageEnd',
  'appendCommit',
  'idleDone',
  'continuationLine',
]);

function react(rx: ImapReceiver, ev: ReceiverEvent, refuseAppends: boolean): boolean {
  if (!EVENT_TYPES.has(ev.type)) throw new Error(`unknown event ${JSON.stringify(ev)}`);
  if (ev.type === 'error') {
    if (typeof ev.text !== 'string' || /[\r\n]/.test(ev.text)) throw new Error(`bad error text ${ev.text}`);
    return !ev.fatal; // a fatal error closes the connection: stop feeding
  }
  if (ev.type === 'appendBegin' && refuseAppends) rx.abortAppend();
  if (ev.type === 'command') {
    const name = ev.command.name;
    if (name === 'IDLE') rx.startIdle();
    if (name === 'STARTTLS') rx.discardBuffered();
    if (name === 'AUTHENTICATE' && ev.command.initialResponse === undefined) rx.expectContinuationLine();
  }
  return true;
}

export const imapReceiverTarget: FuzzTarget<ImapInput> = {
  name: 'imap-receiver',
  arbitrary,
  check({ bytes, cuts, refuseAppends }) {
    const rx = new ImapReceiver({ ...LIMITS, literalPlus: cuts.length % 2 === 0 });
    for (const chunk of splitAt(bytes, cuts)) {
      rx.push(chunk);
      for (let ev = rx.next(), n = 0; ev; ev = rx.next(), n++) {
        if (n > bytes.length + 10) throw new Error('more events than input bytes');
        if (!react(rx, ev, refuseAppends)) return;
      }
      if (rx.bufferedBytes !== 0) throw new Error(`${rx.bufferedBytes} bytes left queued after a drain`);
      const bound = LIMITS.maxLineLength + LIMITS.maxCommandSize;
      if (rx.heldBytes > bound) throw new Error(`held ${rx.heldBytes} bytes > ${bound}`);
    }
  },
};
