/** A minimal raw SMTP/LMTP client: multi-line replies ("250-..." continued, "250 ..." last). */
import { type ConnectOptions, connect, type LineClient } from '../../helpers/net.js';

export interface Smtp {
  client: LineClient;
  greeting: string[];
  /** Sends a command and returns every line of its reply. */
  cmd(command: string, timeoutMs?: number): Promise<string[]>;
  close(): void;
}

export async function smtpConnect(port: number, options: ConnectOptions = {}): Promise<Smtp> {
  const client = await connect(port, options);
  const greeting = await client.readUntil(/^\d{3} /);
  return {
    client,
    greeting,
    async cmd(command, timeoutMs) {
      client.send(command);
      return client.readUntil(/^\d{3} /, timeoutMs);
    },
    close() {
      client.socket.destroy();
    },
  };
}
