/**
 * A small streaming POP3 client (RFC 1939, CAPA and response codes from RFC 2449, STLS from RFC 2595,
 * AUTH PLAIN from RFC 5034). RETR streams the message through the reply reader, unstuffed.
 * No TOP: a sync downloads whole messages and never needs headers first.
 */
import type { Socket } from 'node:net';
import { AuthFailedError } from '../../lib/errors.js';
import type { Security } from '../account.js';
import { ServerProtocolError, UnreachableError, UnsupportedError } from '../errors.js';
import { type Endpoint, openSocket, upgradeSocket } from '../transport.js';
import { ReplyReader } from './reader.js';

export interface Pop3Options extends Endpoint {
  security: Security;
}

export interface UidlEntry {
  number: number;
  uidl: string;
}

export class Pop3Error extends Error {
  constructor(
    readonly command: string,
    readonly reply: string,
  ) {
    super(`${command}: ${reply}`);
  }
}

export class Pop3Client {
  /** Commands sent on this connection, by verb (tests count them). */
  readonly sent = new Map<string, number>();
  private capabilities: string[] | null = null;

  private constructor(
    private socket: Socket,
    private readonly reader: ReplyReader,
  ) {}

  static async connect(options: Pop3Options): Promise<Pop3Client> {
    const socket = await openSocket(options, options.security === 'tls').catch((err: Error) => {
      throw new UnreachableError(`cannot connect to ${options.host}:${options.port}: ${err.message}`, {
        cause: err,
      });
    });
    const client = new Pop3Client(socket, new ReplyReader(socket));
    try {
      const greeting = await client.reader.readLine();
      if (!greeting.startsWith('+OK')) throw new ServerProtocolError(`the server greeted with: ${greeting}`);
      if (options.security === 'starttls') await client.startTls(options);
      return client;
    } catch (err) {
      client.destroy();
      throw err;
    }
  }

  private async startTls(options: Pop3Options): Promise<void> {
    const capa = await this.capa();
    if (capa !== null && !capa.includes('STLS')) throw new UnsupportedError('the server does not offer STLS');
    await this.command('STLS');
    const secure = await upgradeSocket(this.socket, options);
    this.socket = secure;
    this.reader.replaceSocket(secure);
    this.capabilities = null; // RFC 2595 §4: ask again after TLS
  }

  /** CAPA (RFC 2449 §5) as upper-cased lines ("UIDL", "EXPIRE 30"), or null when unsupported. */
  async capa(): Promise<string[] | null> {
    if (this.capabilities) return this.capabilities;
    this.write('CAPA');
    const reply = await this.reader.readLine();
    if (!reply.startsWith('+OK')) return null;
    this.capabilities = (await this.reader.readLines()).map((l) => l.trim()).filter(Boolean);
    return this.capabilities;
  }

  /** USER/PASS, or AUTH PLAIN when the server only offers SASL. The password never reaches a log. */
  async login(user: string, password: string): Promise<void> {
    const capa = await this.capa();
    const useSasl =
      capa !== null && !capa.includes('USER') && capa.some((c) => /^SASL\b.*\bPLAIN\b/i.test(c));
    try {
      if (useSasl) {
        const token = Buffer.from(`\0${user}\0${password}`).toString('base64');
        await this.command('AUTH', `PLAIN ${token}`);
      } else {
        await this.command('USER', user);
        await this.command('PASS', password);
      }
    } catch (err) {
      if (err instanceof Pop3Error) throw new AuthFailedError(`login as ${user} refused: ${err.reply}`);
      throw err;
    }
    this.capabilities = null; // RFC 2449 §5: CAPA may change after login
  }

  /** UIDL of every message; throws UnsupportedError when the server has no UIDL. */
  async uidl(): Promise<UidlEntry[]> {
    try {
      await this.command('UIDL');
    } catch (err) {
      if (err instanceof Pop3Error) throw new UnsupportedError(`the server has no UIDL (${err.reply})`);
      throw err;
    }
    return (await this.reader.readLines()).map((line) => parseUidlLine(line));
  }

  /** LIST: message number → size in octets. */
  async list(): Promise<Map<number, number>> {
    await this.command('LIST');
    const sizes = new Map<number, number>();
    for (const line of await this.reader.readLines()) {
      const match = /^(\d+) (\d+)/.exec(line);
      if (!match) throw new ServerProtocolError(`malformed LIST line: ${line.slice(0, 80)}`);
      sizes.set(Number(match[1]), Number(match[2]));
    }
    return sizes;
  }

  /** RETR: the message, unstuffed, chunk by chunk. Consume it completely before the next command. */
  async retr(number: number): Promise<AsyncGenerator<Buffer>> {
    await this.command('RETR', String(number));
    return this.reader.readBody();
  }

  /**
   * RETR of several messages with PIPELINING (RFC 2449 §6.6): up to `window` commands are sent ahead;
   * yields each message's body in order. Without PIPELINING the window is 1 (one RETR at a time).
   * Each body must be consumed completely before the next is taken.
   */
  async *retrMany(numbers: readonly number[], window: number): AsyncGenerator<AsyncGenerator<Buffer>> {
    let sent = 0;
    const sendUpTo = (limit: number) => {
      for (; sent < Math.min(limit, numbers.length); sent++) this.write('RETR', String(numbers[sent]));
    };
    for (let i = 0; i < numbers.length; i++) {
      sendUpTo(i + window);
      const reply = await this.reader.readLine();
      if (reply.startsWith('-ERR')) throw new Pop3Error('RETR', reply);
      if (!reply.startsWith('+OK'))
        throw new ServerProtocolError(`RETR: unexpected reply: ${reply.slice(0, 80)}`);
      yield this.reader.readBody();
    }
  }

  async dele(number: number): Promise<void> {
    await this.command('DELE', String(number));
  }

  /** QUIT: the server deletes the DELE'd messages now (UPDATE state, RFC 1939 §6). */
  async quit(): Promise<void> {
    await this.command('QUIT');
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private write(verb: string, argument?: string): void {
    this.sent.set(verb, (this.sent.get(verb) ?? 0) + 1);
    this.socket.write(argument === undefined ? `${verb}\r\n` : `${verb} ${argument}\r\n`);
  }

  private async command(verb: string, argument?: string): Promise<string> {
    this.write(verb, argument);
    const reply = await this.reader.readLine();
    if (reply.startsWith('+OK')) return reply;
    if (reply.startsWith('-ERR')) throw new Pop3Error(verb, reply);
    throw new ServerProtocolError(`${verb}: unexpected reply: ${reply.slice(0, 80)}`);
  }
}

/** "n uidl" (RFC 1939 §7: the unique-id is 1..70 characters 0x21..0x7E). */
function parseUidlLine(line: string): UidlEntry {
  const match = /^(\d+) ([\x21-\x7e]{1,70})$/.exec(line.trim());
  if (!match) throw new ServerProtocolError(`malformed UIDL line: ${line.slice(0, 80)}`);
  return { number: Number(match[1]), uidl: match[2]! };
}
