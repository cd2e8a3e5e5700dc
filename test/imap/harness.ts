/** Shared setup for the IMAP integration tests: a test server with users, raw IMAP helpers. */
import { connect, type LineClient } from '../helpers/net.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export interface ImapFixture {
  srv: TestServer;
  port: number;
  users: { login: string; password: string }[];
}

export async function startImapFixture(userCount = 2): Promise<ImapFixture> {
  const srv = await startTestServer();
  const users = [];
  for (let i = 1; i <= userCount; i++) {
    const user = { login: `user${i}@example.com`, password: `secret${i}` };
    await srv.addUser(user.login, user.password);
    users.push(user);
  }
  return { srv, port: srv.ports.imap as number, users };
}

/** A raw IMAP client: `run('a1 LOGIN ...')` returns every line up to the tagged answer. */
export interface RawImap {
  client: LineClient;
  run(command: string, timeoutMs?: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function rawImap(port: number, login?: { login: string; password: string }): Promise<RawImap> {
  const client = await connect(port);
  await client.readLine();
  let n = 0;
  const raw: RawImap = {
    client,
    async run(command, timeoutMs) {
      const tag = `t${++n}`;
      client.send(`${tag} ${command}`);
      return client.readUntil(new RegExp(`^${tag} `), timeoutMs);
    },
    async close() {
      client.socket.destroy();
    },
  };
  if (login) {
    const lines = await raw.run(`LOGIN "${login.login}" "${login.password}"`);
    if (!/^t\d+ OK/.test(lines.at(-1) ?? '')) throw new Error(`login failed: ${lines.join('\n')}`);
  }
  return raw;
}

export const SAMPLE_MESSAGE =
  'From: Alice <alice@example.com>\r\nTo: Bob <bob@example.com>\r\nSubject: Sample\r\n' +
  'Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <sample@example.com>\r\n\r\nHello there\r\n';

export function appendCommand(mailbox: string, message = SAMPLE_MESSAGE, flags = ''): string {
  return `APPEND ${mailbox} ${flags ? `(${flags}) ` : ''}{${Buffer.byteLength(message)}+}\r\n${message}\r\n`;
}
