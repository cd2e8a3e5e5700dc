/**
 * The servers `postyard sync` is tested against: a Postyard test server, and the reference Dovecot
 * from Debian's packages started through ../shared/reference/dovecot-ref.sh (needs root for its
 * useradd; CI runs as root). Both look the same to a test: host, ports, a user, and an IMAP client
 * (imapflow) playing "the other device" that changes the mailbox on the server.
 * Locally a missing Dovecot skips the test; under CI it fails (the setup must provide it).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import type { DeepPartial } from '../../src/config/config.js';
import type { Config } from '../../src/config/types.js';
import { startTestServer } from '../helpers/server.js';

const run = promisify(execFile);

export interface MailServer {
  kind: 'postyard' | 'dovecot';
  host: string;
  imapPort: number;
  pop3Port: number;
  /** A fresh account for one test. */
  newUser(): Promise<{ user: string; password: string }>;
  close(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function startServer(kind: 'postyard' | 'dovecot', overrides?: DeepPartial<Config>) {
  return kind === 'postyard' ? startPostyard(overrides) : startDovecot();
}

export async function startPostyard(overrides?: DeepPartial<Config>): Promise<MailServer> {
  const srv = await startTestServer(overrides);
  let n = 0;
  return {
    kind: 'postyard',
    host: '127.0.0.1',
    imapPort: srv.ports.imap!,
    pop3Port: srv.ports.pop3!,
    async newUser() {
      const user = `user${++n}@example.com`;
      await srv.addUser(user, 'secret');
      return { user, password: 'secret' };
    },
    close: () => srv.close(),
  };
}

/** shared/reference/dovecot-ref.sh: $POSTYARD_DOVECOT_REF, else $POSTYARD_SHARED, else ../shared beside the repository. */
export function dovecotScript(): string {
  if (process.env.POSTYARD_DOVECOT_REF) return process.env.POSTYARD_DOVECOT_REF;
  const shared = process.env.POSTYARD_SHARED
    ? resolve(process.env.POSTYARD_SHARED)
    : resolve(ROOT, '..', 'shared');
  return join(shared, 'reference', 'dovecot-ref.sh');
}

/** Why the reference Dovecot cannot run here (null when it can); under CI that is a failure. */
export let dovecotUnavailable: string | null = null;

/** Starts the reference Dovecot, or returns null (locally) / throws (CI) when it cannot run here. */
export async function startDovecot(): Promise<MailServer | null> {
  const script = dovecotScript();
  const problem = !existsSync(script)
    ? `${script} not found`
    : process.getuid?.() !== 0
      ? 'the reference Dovecot needs root'
      : null;
  if (problem) {
    if (process.env.CI) throw new Error(`cannot start the reference Dovecot: ${problem}`);
    dovecotUnavailable = problem;
    return null;
  }
  const dir = await mkdtemp(join(tmpdir(), 'postyard-sync-dovecot-'));
  await chmod(dir, 0o755); // Dovecot's auth and mail processes run as other users
  const [imapPort, pop3Port, lmtpPort] = await freePorts(3);
  const env = {
    ...process.env,
    DOVECOT_IMAP_PORT: String(imapPort),
    DOVECOT_POP3_PORT: String(pop3Port),
    DOVECOT_LMTP_PORT: String(lmtpPort),
    DOVECOT_USERS: '40',
  };
  // Two test files may start their Dovecot at once; on a fresh machine both then race to create the
  // vmail user and one start fails: the second attempt finds the user there.
  await runScript(script, 'start', dir, env).catch(() => runScript(script, 'start', dir, env));
  let n = 0;
  return {
    kind: 'dovecot',
    host: '127.0.0.1',
    imapPort: imapPort!,
    pop3Port: pop3Port!,
    async newUser() {
      n++;
      if (n > 40) throw new Error('out of Dovecot test users');
      return { user: `user${n}`, password: 'pass' };
    },
    async close() {
      await runScript(script, 'stop', dir, env).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs dovecot-ref.sh with its output in DIR/script.log: the Dovecot it starts keeps the script's
 * stdout open, so a pipe to it would never close.
 */
async function runScript(script: string, command: string, dir: string, env: NodeJS.ProcessEnv) {
  const log = join(dir, 'script.log');
  try {
    await run('sh', ['-c', 'bash "$0" "$1" "$2" >>"$3" 2>&1', script, command, dir, log], { env });
  } catch (err) {
    const output = await readFile(log, 'utf8').catch(() => '');
    throw new Error(`dovecot-ref.sh ${command} failed: ${output.trim() || (err as Error).message}`);
  }
}

async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import('node:net').Server>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as import('node:net').AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** An IMAP session as another device (imapflow), logged in. */
export async function otherDevice(server: MailServer, user: string, password: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.imapPort,
    secure: false,
    auth: { user, pass: password },
    logger: false,
    disableAutoIdle: true,
    tls: { rejectUnauthorized: false },
  });
  await client.connect();
  return client;
}

export function sampleMessage(n: number, extra = ''): Buffer {
  return Buffer.from(
    `From: sender@example.org\r\nTo: someone@example.com\r\nSubject: Message ${n}\r\n` +
      `Message-ID: <m${n}.${extra || 'x'}@example.org>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n` +
      `Body of message ${n}.\r\n.A line starting with a dot.\r\n${extra}\r\n`,
  );
}
