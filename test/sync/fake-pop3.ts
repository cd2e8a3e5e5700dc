/**
 * A scripted POP3 server for the broken-server cases a real server will not produce on demand:
 * duplicate UIDLs, no UIDL, EXPIRE in CAPA, a listing cut off. Records the commands it received.
 */
import { type AddressInfo, createServer, type Server } from 'node:net';

export interface FakeMailbox {
  capa: string[];
  /** UIDL lines ("1 abc"), or null to answer -ERR. */
  uidl: string[] | null;
  messages: string[];
  /** Close the connection after this many UIDL lines (a listing that never completes). */
  cutUidlAfter?: number;
}

export class FakePop3 {
  readonly commands: string[] = [];
  private server: Server | null = null;

  constructor(public mailbox: FakeMailbox) {}

  async start(): Promise<number> {
    this.server = createServer((socket) => {
      socket.write('+OK fake POP3 ready\r\n');
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          this.commands.push(line);
          socket.write(this.answer(line, () => socket.destroy()));
        }
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private answer(line: string, cut: () => void): string {
    const [verb, arg] = line.split(' ');
    const box = this.mailbox;
    switch (verb?.toUpperCase()) {
      case 'CAPA':
        return `+OK\r\n${box.capa.map((c) => `${c}\r\n`).join('')}.\r\n`;
      case 'USER':
      case 'PASS':
      case 'NOOP':
      case 'DELE':
        return '+OK\r\n';
      case 'QUIT':
        setImmediate(cut);
        return '+OK bye\r\n';
      case 'UIDL': {
        if (!box.uidl) return '-ERR no UIDL here\r\n';
        if (box.cutUidlAfter !== undefined) {
          setImmediate(cut);
          return `+OK\r\n${box.uidl.slice(0, box.cutUidlAfter).join('\r\n')}\r\n`;
        }
        return `+OK\r\n${box.uidl.map((l) => `${l}\r\n`).join('')}.\r\n`;
      }
      case 'LIST':
        return `+OK\r\n${box.messages.map((m, i) => `${i + 1} ${m.length}\r\n`).join('')}.\r\n`;
      case 'RETR': {
        const message = box.messages[Number(arg) - 1];
        return message === undefined ? '-ERR no such message\r\n' : `+OK\r\n${message}.\r\n`;
      }
      default:
        return '-ERR unknown command\r\n';
    }
  }

  count(verb: string): number {
    return this.commands.filter((c) => c.toUpperCase().startsWith(verb)).length;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
