/**
 * The sink both queues relay to: smtp-server on loopback that accepts every message, keeps nothing and
 * counts distinct recipients per run. A run's recipients share a tag (`<tag>-<n>@sink.test`), so a late or
 * repeated delivery from an earlier run (queues deliver at least once) is not counted for the next one.
 */
import { SMTPServer } from 'smtp-server';

export interface SinkMx {
  port: number;
  /** Resolves with process.hrtime.bigint() at the arrival of the `count`-th distinct recipient of `tag`. */
  waitFor(tag: string, count: number): Promise<bigint>;
  /** Distinct recipients of `tag` received so far. */
  received(tag: string): number;
  close(): Promise<void>;
}

export async function startSinkMx(): Promise<SinkMx> {
  const seen = new Map<string, Set<string>>();
  const waiters = new Map<string, { count: number; resolve(at: bigint): void }>();
  const record = (address: string) => {
    const at = process.hrtime.bigint();
    const tag = address.slice(0, address.lastIndexOf('-'));
    const set = seen.get(tag) ?? new Set<string>();
    seen.set(tag, set);
    set.add(address);
    const waiter = waiters.get(tag);
    if (waiter && set.size >= waiter.count) {
      waiters.delete(tag);
      waiter.resolve(at);
    }
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => {});
      stream.on('end', () => {
        // Counted when the whole message is in, just before the 250 (the sink keeps nothing).
        for (const rcpt of session.envelope.rcptTo) record(rcpt.address);
        callback(null, 'Ok: sunk');
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    waitFor(tag, count) {
      if ((seen.get(tag)?.size ?? 0) >= count) return Promise.resolve(process.hrtime.bigint());
      return new Promise((resolve) => waiters.set(tag, { count, resolve }));
    },
    received: (tag) => seen.get(tag)?.size ?? 0,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
