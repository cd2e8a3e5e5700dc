/**
 * Parts for outgoing-mail tests: a scripted MX (smtp-server on 127.0.0.1 that answers RCPT as a test
 * says and records every transaction), a submission client (nodemailer's SMTP transport, AUTH PLAIN),
 * and a collector of the queue runner's attempt reports.
 */
import type { EventEmitter } from 'node:events';
import { createTransport } from 'nodemailer';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { AttemptReport } from '../../src/server/outgoing/attempt.js';

export interface Transaction {
  from: string;
  to: string[];
  body: string;
  secure: boolean;
  /** DSN parameters as the MX saw them. */
  envid: string | null;
  notify: Array<string[] | null>;
}

export interface ScriptedMx {
  port: number;
  transactions: Transaction[];
  /** Reply for a recipient: null accepts; else [code, text]. Called for every RCPT. */
  rcptReply: (address: string) => [number, string] | null;
  close(): Promise<void>;
}

export async function startScriptedMx(options: Partial<SMTPServerOptions> = {}): Promise<ScriptedMx> {
  const mx: ScriptedMx = {
    port: 0,
    transactions: [],
    rcptReply: () => null,
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    hideDSN: false,
    disableReverseLookup: true,
    logger: false,
    ...options,
    onRcptTo(address, _session, callback) {
      const reply = mx.rcptReply(address.address);
      if (!reply) return callback();
      const err = new Error(reply[1]) as Error & { responseCode: number };
      err.responseCode = reply[0];
      callback(err);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const envelope = session.envelope as typeof session.envelope & { dsn?: { envid?: string } };
        mx.transactions.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          body: Buffer.concat(chunks).toString('utf8'),
          secure: session.secure,
          envid: envelope.dsn?.envid ?? null,
          notify: session.envelope.rcptTo.map(
            (r) => (r as typeof r & { dsn?: { notify?: string[] } }).dsn?.notify ?? null,
          ),
        });
        callback(null, 'Ok: queued by the scripted MX');
      });
    },
  });
  // A client that vanishes mid-transaction (a killed Postyard) is that connection's problem only.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  mx.port = typeof address === 'object' && address ? address.port : 0;
  mx.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return mx;
}

export interface Submission {
  from: string;
  to: string[];
  subject: string;
  text?: string;
  headerFrom?: string;
  dsn?: { ret?: 'FULL' | 'HDRS'; envid?: string; notify?: string | string[] };
}

/** Sends through Postyard's submission port as `user` (AUTH PLAIN on loopback); returns the reply. */
export async function submit(
  port: number,
  user: { login: string; password: string },
  mail: Submission,
): Promise<string> {
  const transport = createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    ignoreTLS: true,
    auth: { user: user.login, pass: user.password },
  });
  try {
    const info = await transport.sendMail({
      envelope: { from: mail.from, to: mail.to },
      from: mail.headerFrom ?? mail.from,
      to: mail.to.join(', '),
      subject: mail.subject,
      text: mail.text ?? `Body of ${mail.subject}\n`,
      messageId: `<${mail.subject.replace(/\W+/g, '-')}@postyard.test>`,
      ...(mail.dsn ? { dsn: mail.dsn } : {}),
    });
    return info.response;
  } finally {
    transport.close();
  }
}

/** Collects the runner's attempt reports; `next(n)` resolves once n more have arrived. */
export function attempts(events: EventEmitter): {
  all: AttemptReport[];
  next(n?: number): Promise<AttemptReport[]>;
  stop(): void;
} {
  const all: AttemptReport[] = [];
  let waiters: Array<{ until: number; resolve: (r: AttemptReport[]) => void }> = [];
  const onAttempt = (report: AttemptReport) => {
    all.push(report);
    const ready = waiters.filter((w) => all.length >= w.until);
    waiters = waiters.filter((w) => all.length < w.until);
    for (const w of ready) w.resolve(all.slice(w.until - (w.until - 0)));
  };
  events.on('attempt', onAttempt);
  let seen = 0;
  return {
    all,
    next(n = 1) {
      const from = seen;
      seen += n;
      const until = seen;
      if (all.length >= until) return Promise.resolve(all.slice(from, until));
      return new Promise((resolve) =>
        waiters.push({ until, resolve: () => resolve(all.slice(from, until)) }),
      );
    },
    stop: () => events.off('attempt', onAttempt),
  };
}
