/** A minimal raw POP3 client for the security tests (one command, one status line). */
import { type ConnectOptions, connect, type LineClient } from '../../helpers/net.js';

export interface Pop3 {
  client: LineClient;
  greeting: string;
  /** Sends a command and returns its first reply line. */
  cmd(command: string, timeoutMs?: number): Promise<string>;
  /** The lines of a multi-line reply after its +OK line, up to (not including) the ".". */
  multi(command: string): Promise<{ status: string; lines: string[] }>;
  close(): void;
}

export async function pop3Connect(port: number, options: ConnectOptions = {}): Promise<Pop3> {
  const client = await connect(port, options);
  const greeting = await client.readLine();
  const pop3: Pop3 = {
    client,
    greeting,
    async cmd(command, timeoutMs) {
      client.send(command);
      return client.readLine(timeoutMs);
    },
    async multi(command) {
      const status = await pop3.cmd(command);
      if (!status.startsWith('+OK')) return { status, lines: [] };
      const lines = await client.readUntil(/^\.$/);
      return { status, lines: lines.slice(0, -1) };
    },
    close() {
      client.socket.destroy();
    },
  };
  return pop3;
}

/** USER/PASS; returns the PASS reply (or the USER reply if that failed). */
export async function pop3UserPass(pop3: Pop3, login: string, password: string): Promise<string> {
  const user = await pop3.cmd(`USER ${login}`);
  if (!user.startsWith('+OK')) return user;
  return pop3.cmd(`PASS ${password}`);
}
