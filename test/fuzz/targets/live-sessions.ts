/**
 * Mutated command streams to live, logged-in IMAP and POP3 sessions of an in-process server with a
 * populated mailbox: the session code and the store behind it, not just the parsers. Checks: the process
 * survives, a fresh login still works, and the store passes its integrity check at the end.
 */
import fc from 'fast-check';
import type { LocalAuthService } from '../../../src/server/auth/service.js';
import { deliverMessage } from '../../../src/server/delivery/deliver-message.js';
import { connect, type ServerEnds, watchServerEnds } from '../../helpers/net.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { commandStream, type FuzzTarget, hangUp, splitAt } from '../harness.js';

const USER = 'live-fuzz@example.org';
const PASSWORD = 'live-fuzz-pw';

const IMAP_COMMANDS = [
  'a SELECT INBOX',
  'a EXAMINE INBOX',
  'a FETCH 1:* (FLAGS UID ENVELOPE BODYSTRUCTURE RFC822.SIZE)',
  'a FETCH 1:2 (BODY.PEEK[HEADER.FIELDS (Subject)] BODY[1]<0.5> BINARY.PEEK[1] PREVIEW)',
  'a UID FETCH 1:* BODY[]',
  'a STORE 1:* +FLAGS (\\Seen $Fuzz)',
  'a UID STORE 2 -FLAGS.SILENT (\\Seen)',
  'a SEARCH OR FROM a NOT SEEN',
  'a UID SEARCH RETURN (ALL COUNT) BODY hello',
  'a COPY 1:2 Trash',
  'a UID MOVE 3 Archive',
  'a EXPUNGE',
  'a STORE 1 +FLAGS (\\Deleted)',
  'a UID EXPUNGE 1:*',
  'a CREATE Fuzz/Box',
  'a RENAME Fuzz/Box Fuzz/Other',
  'a DELETE Fuzz/Other',
  'a LIST "" *',
  'a LSUB "" *',
  'a STATUS INBOX (MESSAGES UIDNEXT UNSEEN SIZE)',
  'a APPEND INBOX (\\Flagged) {17+}\r\nSubject: x\r\n\r\nhi\r\n',
  'a APPEND Trash {5}\r\nhello',
  'a IDLE\r\nDONE',
  'a ENABLE IMAP4rev2 CONDSTORE QRESYNC',
  'a SELECT INBOX (CONDSTORE)',
  'a FETCH 1:* (FLAGS) (CHANGEDSINCE 1)',
  'a UNSELECT',
  'a CLOSE',
  'a NOOP',
  'a NAMESPACE',
  'a SUBSCRIBE Trash',
  'a ID NIL',
  'a CHECK',
];

const POP3_COMMANDS = [
  `USER ${USER}`,
  `PASS ${PASSWORD}`,
  'USER x',
  'PASS y',
  'AUTH PLAIN',
  'AUTH LOGIN',
  'STLS',
  '*',
  `AUTH PLAIN ${Buffer.from(`\0${USER}\0${PASSWORD}`).toString('base64')}`,
  'STAT',
  'LIST',
  'LIST 1',
  'UIDL',
  'UIDL 2',
  'RETR 1',
  'TOP 2 1',
  'DELE 1',
  'RSET',
  'NOOP',
  'CAPA',
  'UTF8',
  'QUIT',
];

export interface LiveInput {
  bytes: Buffer;
  cuts: number[];
  /** Skip the login: the bytes hit the not-authenticated state (LOGIN, AUTHENTICATE, STARTTLS, ...). */
  anonymous: boolean;
}

let srv: TestServer | null = null;
let ends: ServerEnds | null = null;

async function setUp(): Promise<void> {
  ends = watchServerEnds();
  srv = await startTestServer({
    listeners: { smtp: { enabled: false }, lmtp: { enabled: false } },
    pop3: { concurrentSessions: 'snapshot' },
    // Inputs arrive faster than ended sessions' lingering sockets close; the per-IP limit is not under test.
    limits: { maxConnectionsPerUser: 1000, maxConnectionsPerIp: 100_000 },
  });
  await srv.addUser(USER, PASSWORD);
  // Mutated credentials fail logins by the thousand; brute-force throttling (tested in
  // test/security/brute-force.test.ts) would then slow and block every later input.
  const { throttle } = srv.ctx.auth as LocalAuthService;
  throttle.check = async () => ({ blocked: false });
  throttle.recordFailure = async () => ({ delayMs: 0, failures: 0, blocked: false });
  await refill();
}

/** Keeps a few messages in INBOX so FETCH/COPY/MOVE/EXPUNGE/RETR have something to work on. */
async function refill(): Promise<void> {
  const account = (await srv!.ctx.store.getAccount(USER))!;
  const inbox = (await srv!.ctx.store.getMailbox(account.id, 'INBOX'))!;
  const count = (await srv!.ctx.store.getIndex(inbox.id)).uids.length;
  for (let i = count; i < 4; i++) {
    const body = `From: a@example.net\r\nSubject: m${i}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello ${i}\r\n--b--\r\n`;
    await deliverMessage(srv!.ctx, { recipients: [USER], input: Buffer.from(body) });
  }
}

async function tearDown(): Promise<void> {
  try {
    const report = await srv!.ctx.store.checkIntegrity();
    if (report.problems.length > 0)
      throw new Error(`store problems after fuzzing: ${JSON.stringify(report.problems)}`);
  } finally {
    await srv?.close();
    srv = null;
    ends?.stop();
    ends = null;
  }
}

/** Logs in, sends the bytes in chunks, hangs up; then a fresh session must log in and answer. */
async function session(kind: 'imap' | 'pop3', { bytes, cuts, anonymous }: LiveInput): Promise<void> {
  await refill();
  const c = await connect(srv!.ports[kind]!, { timeoutMs: 5_000 });
  try {
    const serverSide = await ends!.of(c);
    await c.readLine();
    if (anonymous) {
      // no login
    } else if (kind === 'imap') {
      c.send(`l LOGIN ${USER} ${PASSWORD}`);
      await c.readUntil(/^l /);
    } else {
      c.send(`USER ${USER}`);
      await c.readLine();
      c.send(`PASS ${PASSWORD}`);
      await c.readLine();
    }
    for (const chunk of splitAt(bytes, cuts)) {
      if (c.closed) break;
      c.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    await hangUp(c, serverSide);
  } finally {
    c.socket.destroy();
  }
  await stillServing(kind);
}

async function stillServing(kind: 'imap' | 'pop3'): Promise<void> {
  const c = await connect(srv!.ports[kind]!, { timeoutMs: 10_000 });
  try {
    await c.readLine();
    if (kind === 'imap') {
      c.send(`z LOGIN ${USER} ${PASSWORD}`);
      const lines = await c.readUntil(/^z /);
      if (!/^z OK/.test(lines.at(-1) ?? '')) throw new Error(`login after fuzz input: ${lines.join(' | ')}`);
      c.send('y SELECT INBOX');
      const select = await c.readUntil(/^y /);
      if (!/^y OK/.test(select.at(-1) ?? ''))
        throw new Error(`SELECT after fuzz input: ${select.join(' | ')}`);
    } else {
      c.send(`USER ${USER}`);
      await c.readLine();
      c.send(`PASS ${PASSWORD}`);
      const reply = await c.readLine();
      if (!reply.startsWith('+OK')) throw new Error(`POP3 login after fuzz input: ${reply}`);
    }
  } finally {
    c.socket.destroy();
  }
}

function liveTarget(kind: 'imap' | 'pop3', commands: readonly string[]): FuzzTarget<LiveInput> {
  return {
    name: `${kind}-session`,
    arbitrary: fc.record({
      bytes: commandStream(commands, 10),
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
      anonymous: fc.boolean(),
    }),
    setUp,
    tearDown,
    check: (input) => session(kind, input),
  };
}

export const imapSessionTarget = liveTarget('imap', IMAP_COMMANDS);
export const pop3SessionTarget = liveTarget('pop3', POP3_COMMANDS);
