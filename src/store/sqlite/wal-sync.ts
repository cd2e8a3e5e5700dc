/**
 * Makes committed transactions durable off the event loop. The group committer commits with
 * `synchronous = NORMAL` (in WAL mode SQLite then writes the WAL frames without fsync, but still syncs
 * the WAL before and the database after every checkpoint, so the file can never be corrupted) and then
 * asks for an fdatasync of the WAL file here, on libuv's thread pool: the frames were written before the
 * sync started, so once it returns they are on disk and the writes may be acknowledged. The event loop
 * keeps serving other sessions during the flush (it was ~20% of a busy server's time, blocked in COMMIT),
 * and every commit made while one sync runs is covered by the next one (group commit across batches).
 */
import { close, fdatasync, open } from 'node:fs';

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

export interface WalSyncStats {
  /** fdatasync calls made. */
  syncs: number;
}

export class WalSync {
  readonly stats: WalSyncStats = { syncs: 0 };
  private fd: number | null = null;
  private running: Promise<void> | null = null;
  /** Callers whose commit came after the running sync started: the next sync covers them. */
  private waiting: Waiter[] = [];
  private closed = false;

  constructor(private readonly walPath: string) {}

  /** Resolves once an fdatasync of the WAL that started after this call has returned. */
  sync(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) this.start();
    });
  }

  /** Waits for every requested sync, then closes the file. */
  async close(): Promise<void> {
    while (this.running) await this.running;
    this.closed = true;
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
  }

  private start(): void {
    const batch = this.waiting;
    this.waiting = [];
    this.running = this.syncOnce().then(
      () => {
        for (const waiter of batch) waiter.resolve();
      },
      (err: unknown) => {
        for (const waiter of batch) waiter.reject(err);
      },
    );
    void this.running.then(() => {
      this.running = null;
      if (this.waiting.length > 0) this.start();
    });
  }

  private async syncOnce(): Promise<void> {
    if (this.closed) throw new Error('WAL sync after close');
    // The WAL lives as long as any connection to the database is open (ours is), so one descriptor
    // serves for the store's life; fsync works through a read-only descriptor on Linux.
    this.fd ??= await new Promise<number>((resolve, reject) =>
      open(this.walPath, 'r', (err, fd) => (err ? reject(err) : resolve(fd))),
    );
    const fd = this.fd;
    await new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));
    this.stats.syncs++;
  }
}
