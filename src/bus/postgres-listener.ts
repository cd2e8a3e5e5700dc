/**
 * One dedicated PostgreSQL connection that LISTENs on a few channels and sends NOTIFYs, reconnecting
 * with a growing delay when the server goes away (restart, failover). Notifications sent while it was
 * away are lost; users of it tolerate that (bus.ts, coordinator.ts).
 */
import pg from 'pg';
import { type ErrorLog, RateLimitedErrors } from '../lib/rate-limited-log.js';

const MAX_RETRY_MS = 5000;

export class ReconnectingListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private readonly errors: RateLimitedErrors;

  constructor(
    private readonly url: string,
    private readonly channels: readonly string[],
    private readonly onNotification: (channel: string, payload: string) => void,
    log?: ErrorLog,
  ) {
    this.errors = new RateLimitedErrors(log);
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on('notification', (n) => this.onNotification(n.channel, n.payload ?? ''));
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    await client.connect();
    for (const channel of this.channels) await client.query(`LISTEN ${channel}`);
    if (this.closed) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.retryMs = 100;
  }

  /** Sent in call order: one connection runs one query at a time. */
  notify(channel: string, payload: string): Promise<void> {
    const client = this.client;
    if (!client) return Promise.reject(new Error('not connected to PostgreSQL'));
    const sent = this.chain.then(async () => {
      await client.query('SELECT pg_notify($1, $2)', [channel, payload]);
    });
    this.chain = sent.catch(() => {});
    return sent;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await this.chain; // NOTIFYs already asked for are sent (a CLI command's last change, for one)
    await client?.end().catch(() => {});
  }

  private lost(client: pg.Client, err: unknown): void {
    if (this.closed || this.client !== client) return;
    this.client = null;
    this.errors.report('PostgreSQL notification connection lost; reconnecting', err, {});
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.start().catch((err: unknown) => {
        this.errors.report('reconnecting to PostgreSQL failed', err, {});
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
        this.schedule();
      });
    }, this.retryMs);
    this.timer.unref();
  }
}
