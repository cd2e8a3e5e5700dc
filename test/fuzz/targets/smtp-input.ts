/**
 * Raw bytes to live SMTP, submission and LMTP sockets of an in-process server (smtp-server plus our handlers).
 * Each input: connect, read the greeting, write the bytes in chunks, hang up. Checks: the process does
 * not crash, a fresh connection is still greeted and answers EHLO/LHLO, and a real delivery works at the end.
 */
import fc from 'fast-check';
import type { LocalAuthService } from '../../../src/server/auth/service.js';
import { connect, type ServerEnds, watchServerEnds } from '../../helpers/net.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { commandStream, type FuzzTarget, fragmentedBytes, hangUp, splitAt } from '../harness.js';

const USER = 'fuzz@example.org';

const FRAGMENTS = [
  'EHLO x\r\n',
  'HELO x\r\n',
  'LHLO x\r\n',
  'MAIL FROM:<a@b.example>',
  'MAIL FROM:<>',
  ' SIZE=100',
  ' BODY=8BITMIME',
  ' SMTPUTF8',
  `RCPT TO:<${USER}>`,
  'RCPT TO:<nobody@example.org>',
  'RCPT TO:<"a\\"b"@[127.0.0.1]>',
  'DATA\r\n',
  'BDAT 5 LAST\r\n',
  'Subject: fuzz\r\n',
  'Message-ID: <f@z>\r\n',
  '\r\n',
  '\r\n.\r\n',
  '..\r\n',
  '.\r\n',
  '\n',
  '\r',
  'RSET\r\n',
  'NOOP\r\n',
  'VRFY x\r\n',
  'EXPN x\r\n',
  'HELP\r\n',
  'AUTH PLAIN AGEAYg==\r\n',
  'STARTTLS\r\n',
  'XCLIENT ADDR=1.2.3.4\r\n',
  'QUIT\r\n',
  'x'.repeat(600),
  '\u0000',
  '\u00ff',
  '=?utf-8?b?w6k=?=',
  ':',
  '<',
  '>',
];

/** A plausible session (EHLO/LHLO, envelope, DATA, body, end) for commandStream to mutate. */
const COMMANDS = [
  'EHLO client.example',
  'LHLO client.example',
  'HELO x',
  'MAIL FROM:<a@b.example> SIZE=100 BODY=8BITMIME',
  'MAIL FROM:<>',
  `RCPT TO:<${USER}>`,
  `RCPT TO:<${USER}> NOTIFY=NEVER`,
  'RCPT TO:<nobody@example.org>',
  'DATA',
  'Subject: fuzz',
  'Message-ID: <f@z>',
  '',
  'body line',
  '..leading dot',
  '.',
  'RSET',
  'NOOP',
  'VRFY x',
  'HELP',
  'STARTTLS',
  'AUTH PLAIN AGEAYg==',
  `AUTH PLAIN ${Buffer.from(`\0${USER}\0fuzz-password`).toString('base64')}`,
  'AUTH LOGIN',
  'BDAT 5 LAST',
  'QUIT',
];

type Listener = 'smtp' | 'submission' | 'lmtp';

export interface SmtpInput {
  listener: Listener;
  bytes: Buffer;
  cuts: number[];
}

let srv: TestServer | null = null;
let ends: ServerEnds | null = null;

function port(name: Listener): number {
  const p = srv?.ports[name];
  if (!p) throw new Error(`no ${name} listener`);
  return p;
}

/** A fresh connection is greeted with 220 and EHLO/LHLO gets 250: the listener still serves. */
async function stillServing(listener: Listener): Promise<void> {
  const lmtp = listener === 'lmtp';
  const c = await connect(port(listener), { timeoutMs: 5_000 });
  try {
    const greeting = await c.readLine();
    if (!greeting.startsWith('220')) throw new Error(`greeting after fuzz input: ${greeting}`);
    c.send(lmtp ? 'LHLO check' : 'EHLO check');
    const lines = await c.readUntil(/^\d{3} /);
    if (!lines.at(-1)?.startsWith('250')) throw new Error(`hello after fuzz input: ${lines.join(' | ')}`);
    c.send('QUIT');
  } finally {
    c.socket.destroy();
  }
}

async function send({ listener, bytes, cuts }: SmtpInput): Promise<void> {
  const c = await connect(port(listener), { timeoutMs: 5_000 });
  try {
    const serverSide = await ends!.of(c);
    await c.readLine();
    for (const chunk of splitAt(bytes, cuts)) {
      if (c.closed) break;
      c.write(chunk);
      await new Promise((r) => setImmediate(r));
    }
    await hangUp(c, serverSide);
  } finally {
    c.socket.destroy();
  }
}

export const smtpInputTarget: FuzzTarget<SmtpInput> = {
  name: 'smtp-input',
  arbitrary: fc.record({
    listener: fc.constantFrom<Listener>('smtp', 'submission', 'lmtp'),
    bytes: fc.oneof(
      { weight: 3, arbitrary: commandStream(COMMANDS, 16) },
      { weight: 1, arbitrary: fragmentedBytes(FRAGMENTS, 40) },
    ),
    cuts: fc.array(fc.nat(), { maxLength: 6 }),
  }),
  async setUp() {
    ends = watchServerEnds();
    srv = await startTestServer({
      listeners: {
        imap: { enabled: false },
        imaps: { enabled: false },
        pop3: { enabled: false },
        pop3s: { enabled: false },
      },
      limits: { maxMessageSize: 64 * 1024, smtpIdleTimeout: 5 },
    });
    await srv.addUser(USER, 'fuzz-password');
    // Fuzzed AUTH on submission fails often; throttling (tested elsewhere) would slow every later input.
    const { throttle } = srv.ctx.auth as LocalAuthService;
    throttle.check = async () => ({ blocked: false });
    throttle.recordFailure = async () => ({ delayMs: 0, failures: 0, blocked: false });
  },
  async check(input) {
    await send(input);
    await stillServing(input.listener);
  },
  async tearDown() {
    try {
      await deliverOnce();
    } finally {
      await srv?.close();
      srv = null;
      ends?.stop();
      ends = null;
    }
  },
};

/** After all the noise a well-formed LMTP delivery is still accepted. */
async function deliverOnce(): Promise<void> {
  const c = await connect(port('lmtp'), { timeoutMs: 5_000 });
  try {
    await c.readLine();
    for (const command of ['LHLO ok', 'MAIL FROM:<a@b.example>', `RCPT TO:<${USER}>`, 'DATA']) {
      c.send(command);
      const last = (await c.readUntil(/^\d{3} /)).at(-1) ?? '';
      if (!/^(250|354)/.test(last)) throw new Error(`${command}: ${last}`);
    }
    c.write('Subject: after fuzz\r\n\r\nstill delivering\r\n.\r\n');
    const reply = await c.readLine();
    if (!reply.startsWith('250')) throw new Error(`delivery after fuzzing: ${reply}`);
  } finally {
    c.socket.destroy();
  }
}
