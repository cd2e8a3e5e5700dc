/**
 * A minimal raw IMAP client for the security tests, on the line client of test/helpers/net.ts:
 * `run()` sends one tagged command and returns every line up to its tagged status.
 */
import { type ConnectOptions, connect, type LineClient } from '../../helpers/net.js';

export interface Imap {
  client: LineClient;
  greeting: string;
  /** Sends `tag command` + CRLF (always, even after a literal ending in CRLF); returns the lines up to
   * and including the tagged status. */
  run(command: string, timeoutMs?: number): Promise<string[]>;
  /** Like run() but throws unless the status is OK; returns the lines. */
  ok(command: string, timeoutMs?: number): Promise<string[]>;
  close(): void;
}

let tagCounter = 0;

export async function imapConnect(port: number, options: ConnectOptions = {}): Promise<Imap> {
  const client = await connect(port, options);
  const greeting = await client.readLine();
  const imap: Imap = {
    client,
    greeting,
    async run(command, timeoutMs) {
      const tag = `s${++tagCounter}`;
      client.write(`${tag} ${command}\r\n`);
      return client.readUntil(new RegExp(`^${tag} `), timeoutMs);
    },
    async ok(command, timeoutMs) {
      const lines = await imap.run(command, timeoutMs);
      if (!/^s\d+ OK/.test(lines.at(-1) ?? ''))
        throw new Error(`${command.slice(0, 60)}: ${lines.join(' | ')}`);
      return lines;
    },
    close() {
      client.socket.destroy();
    },
  };
  return imap;
}

export async function imapLogin(port: number, login: string, password: string, options?: ConnectOptions) {
  const imap = await imapConnect(port, options);
  await imap.ok(`LOGIN ${quote(login)} ${quote(password)}`);
  return imap;
}

export function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** An APPEND command with a non-synchronising literal (LITERAL+), ready for run(). */
export function appendCommand(mailbox: string, message: string): string {
  return `APPEND ${mailbox} {${Buffer.byteLength(message)}+}\r\n${message}`;
}

/** A small message identified by its Message-ID. */
export function messageWithId(id: string, body = 'hello'): string {
  return [
    'From: Tester <tester@example.org>',
    'To: someone@example.org',
    `Subject: ${id}`,
    `Message-ID: <${id}>`,
    'Date: Thu, 26 Nov 2026 07:00:00 +0000',
    '',
    body,
    '',
  ].join('\r\n');
}

/** `[APPENDUID v uid]` / `[COPYUID v src dst]` from a tagged OK. */
export function appendUid(status: string): { validity: number; uid: number } | null {
  const m = /\[APPENDUID (\d+) (\d+)\]/.exec(status);
  return m ? { validity: Number(m[1]), uid: Number(m[2]) } : null;
}

export function copyUid(lines: string[]): { validity: number; dest: number } | null {
  for (const line of lines) {
    const m = /\[COPYUID (\d+) \S+ (\d+)\]/.exec(line);
    if (m) return { validity: Number(m[1]), dest: Number(m[2]) };
  }
  return null;
}
