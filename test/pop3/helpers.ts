/**
 * Shared pieces of the POP3 integration tests: a server with users, delivery through the real ingest
 * path, a small POP3 client on the raw line client, and a runner for Python/CLI interop clients.
 */
import { spawn } from 'node:child_process';
import type { DeepPartial } from '../../src/config/config.js';
import type { Config } from '../../src/config/types.js';
import { deliverMessage } from '../../src/server/delivery/deliver-message.js';
import type { AccountSettings } from '../../src/store/store.js';
import { connect, type LineClient } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
export const PASSWORD = 'secret pass';

export async function startPop3Server(
  overrides?: DeepPartial<Config>,
  users: Record<string, AccountSettings> = { [ALICE]: {}, [BOB]: {} },
): Promise<TestServer> {
  const srv = await startTestServer(overrides);
  for (const [login, settings] of Object.entries(users)) await srv.addUser(login, PASSWORD, settings);
  return srv;
}

/** Delivers through the same ingest path as LMTP/SMTP; returns the new UID. */
export async function deliver(srv: TestServer, login: string, message: string | Buffer): Promise<number> {
  const input = typeof message === 'string' ? Buffer.from(message) : message;
  const [outcome] = await deliverMessage(srv.ctx, { recipients: [login], input });
  if (!outcome?.ok) throw outcome?.error ?? new Error('delivery failed');
  return outcome.result.uid;
}

export function simpleMessage(n: number, body = `Body of message ${n}\r\n`): string {
  return `From: sender@example.org\r\nTo: ${ALICE}\r\nSubject: Message ${n}\r\nMessage-ID: <m${n}@example.org>\r\n\r\n${body}`;
}

export async function inboxUids(srv: TestServer, login: string): Promise<number[]> {
  const account = (await srv.ctx.store.getAccount(login))!;
  const inbox = (await srv.ctx.store.getMailbox(account.id, 'INBOX'))!;
  return Array.from((await srv.ctx.store.getIndex(inbox.id)).uids);
}

/** A raw POP3 connection that has read the greeting. */
export async function pop3Connect(
  port: number,
  options?: Parameters<typeof connect>[1],
): Promise<LineClient> {
  const client = await connect(port, options);
  const greeting = await client.readLine();
  if (!greeting.startsWith('+OK')) throw new Error(`bad greeting ${greeting}`);
  return client;
}

export async function pop3Login(port: number, login = ALICE, password = PASSWORD): Promise<LineClient> {
  const client = await pop3Connect(port);
  await expectOk(client, `USER ${login}`);
  await expectOk(client, `PASS ${password}`);
  return client;
}

/** Sends one command and returns its status line. */
export async function command(client: LineClient, line: string): Promise<string> {
  client.send(line);
  return client.readLine();
}

export async function expectOk(client: LineClient, line: string): Promise<string> {
  const reply = await command(client, line);
  if (!reply.startsWith('+OK')) throw new Error(`${line.startsWith('PASS') ? 'PASS ***' : line}: ${reply}`);
  return reply;
}

/** Reads a multi-line body after its +OK line: lines up to ".", un-stuffed. */
export async function readMultiLine(client: LineClient): Promise<string[]> {
  const lines = await client.readUntil(/^\.$/);
  lines.pop();
  return lines.map((l) => (l.startsWith('.') ? l.slice(1) : l));
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to completion (no shell), with a generous timeout so a hang fails instead of blocking. */
export function run(
  program: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: { ...process.env, ...options.env }, cwd: options.cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => {}); // The program may exit without reading its input.
    child.stdin.end(options.input ?? '');
  });
}

/** Runs a Python script given as text; arguments in sys.argv[1:]. */
export async function python(script: string, args: string[] = []): Promise<RunResult> {
  const result = await run('python3', ['-c', script, ...args]);
  if (result.code !== 0) throw new Error(`python failed (${result.code}): ${result.stderr}${result.stdout}`);
  return result;
}
