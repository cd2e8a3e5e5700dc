/**
 * A TCP proxy on 127.0.0.1 between a sync client and a server that can cut the connection after a
 * given number of server-to-client bytes (a network failure in the middle of a download), and counts
 * what the client sends (lines), so tests can check which commands a run needed.
 */
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';

export class CutProxy {
  /** Cut the next connection once it has carried this many bytes from the server (null: never). */
  cutAfter: number | null = null;
  /**
   * Capabilities removed from the server's CAPABILITY and ENABLED lists and from the client's ENABLE
   * (to stand in for an older server: the real one never sees them enabled).
   */
  hideCapabilities: string[] = [];
  /** Every line the client sent, across connections. */
  readonly clientLines: string[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly targetPort: number) {}

  async start(): Promise<number> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  private accept(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    const limit = this.cutAfter;
    this.cutAfter = null;
    let carried = 0;
    let partial = '';
    client.on('data', (chunk: Buffer) => {
      partial += chunk.toString('latin1');
      const lines = partial.split('\r\n');
      partial = lines.pop()!;
      this.clientLines.push(...lines);
      upstream.write(this.hideCapabilities.length ? this.filterCapabilities(chunk) : chunk);
    });
    upstream.on('data', (raw: Buffer) => {
      const chunk = this.hideCapabilities.length ? this.filterCapabilities(raw) : raw;
      if (limit !== null && carried + chunk.length >= limit) {
        client.write(chunk.subarray(0, Math.max(0, limit - carried)));
        client.destroy();
        upstream.destroy();
        return;
      }
      carried += chunk.length;
      client.write(chunk);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  /** Drops hidden capabilities from CAPABILITY, ENABLED and ENABLE lines in this chunk. */
  private filterCapabilities(chunk: Buffer): Buffer {
    const text = chunk.toString('latin1');
    if (!/CAPABILITY|ENABLE/i.test(text)) return chunk;
    const hidden = new RegExp(` (${this.hideCapabilities.join('|')})(?=[ \\]\\r])`, 'gi');
    return Buffer.from(
      text.replace(/^.*(CAPABILITY|ENABLE).*$/gim, (line) => line.replace(hidden, '')),
      'latin1',
    );
  }

  /** Lines the client sent whose first word (after an IMAP tag, if any) is `verb`. */
  count(verb: RegExp): number {
    return this.clientLines.filter((l) => verb.test(l)).length;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
