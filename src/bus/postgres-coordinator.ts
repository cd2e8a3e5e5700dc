/**
 * The Coordinator of nodes on one PostgreSQL (src/server/cluster/README.md): locks and slots are
 * session-level advisory locks on one dedicated connection per process, so PostgreSQL drops them when
 * the process dies; roles are advisory locks that non-leaders retry on a timer; failure counters are
 * rows of coord_failures (store/postgres/schema.ts) updated by one atomic upsert each; signals are
 * NOTIFYs every process (this one too) receives.
 * Advisory locks are reentrant per session, so this process keeps its own table and never asks for a
 * lock or slot it already holds.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { ErrorLog } from '../lib/rate-limited-log.js';
import { RateLimitedErrors } from '../lib/rate-limited-log.js';
import type {
  Coordinator,
  FailureCounters,
  FailureRule,
  FailureState,
  Release,
  RoleTask,
  SignalListener,
} from './coordinator.js';
import { ReconnectingListener } from './postgres-listener.js';
import { SignalListeners } from './signal-listeners.js';

const SIGNAL_CHANNEL = 'postyard_signals';
const DEFAULT_ROLE_RETRY_MS = 5000;
const PRUNE_EVERY = 1000;
const DAY_MS = 86_400_000;

/** A signed 64-bit advisory lock key for a name (as a decimal string: pg passes it through exactly). */
export function lockKey(name: string): string {
  return createHash('sha256').update(`postyard:${name}`).digest().readBigInt64BE(0).toString();
}

export interface PostgresCoordinatorOptions {
  log?: ErrorLog;
  /** How often a process that is not a role's runner tries to take it over. */
  roleRetryMs?: number;
}

export class PostgresCoordinator implements Coordinator {
  readonly failures: FailureCounters;
  private session: pg.Client | null = null;
  private sessionReady: Promise<pg.Client> | null = null;
  private readonly held = new Set<string>();
  private readonly roles = new Set<{ withdraw: () => Promise<void> }>();
  private readonly listeners = new SignalListeners();
  private readonly errors: RateLimitedErrors;
  private readonly signals: ReconnectingListener;
  private readonly pool: pg.Pool;
  private readonly roleRetryMs: number;
  private closed = false;
  private bumps = 0;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly url: string,
    options: PostgresCoordinatorOptions,
  ) {
    this.errors = new RateLimitedErrors(options.log);
    this.roleRetryMs = options.roleRetryMs ?? DEFAULT_ROLE_RETRY_MS;
    this.pool = new pg.Pool({ connectionString: url, max: 2 });
    this.pool.on('error', () => {});
    this.signals = new ReconnectingListener(
      url,
      [SIGNAL_CHANNEL],
      (_channel, payload) => this.receiveSignal(payload),
      options.log,
    );
    this.failures = {
      bump: (entries, now) => Promise.all(entries.map(({ key, rule }) => this.bump(key, rule, now))),
      read: (keys, windowMs, now) => this.read(keys, windowMs, now),
      forget: async (keys) => {
        await this.pool.query('DELETE FROM coord_failures WHERE key = ANY($1::text[])', [[...keys]]);
      },
    };
  }

  static async open(url: string, options: PostgresCoordinatorOptions = {}): Promise<PostgresCoordinator> {
    const coordinator = new PostgresCoordinator(url, options);
    await coordinator.signals.start();
    await coordinator.connection();
    return coordinator;
  }

  async tryLock(name: string): Promise<Release | null> {
    const key = lockKey(`lock:${name}`);
    if (this.held.has(key)) return null;
    this.held.add(key);
    try {
      const r = await this.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      if (r.rows[0]?.ok) return this.releaser(key);
    } catch (err) {
      this.held.delete(key);
      throw err;
    }
    this.held.delete(key);
    return null;
  }

  async acquireSlot(name: string, limit: number): Promise<Release | null> {
    const free: string[] = [];
    for (let i = 0; i < limit; i++) {
      const key = lockKey(`slot:${name}#${i}`);
      if (!this.held.has(key)) free.push(key);
    }
    if (free.length === 0) return null;
    // Reserved locally while asking, so two concurrent calls here do not both "win" one reentrant key.
    for (const key of free) this.held.add(key);
    let got: string | undefined;
    try {
      // Tried one after the other in one statement; LIMIT 1 stops at the first one taken.
      const r = await this.query<{ k: string }>(
        'SELECT k::text FROM unnest($1::bigint[]) WITH ORDINALITY AS s(k, i) WHERE pg_try_advisory_lock(k) ORDER BY i LIMIT 1',
        [free],
      );
      got = r.rows[0]?.k;
    } finally {
      for (const key of free) if (key !== got) this.held.delete(key);
    }
    return got === undefined ? null : this.releaser(got);
  }

  lead(role: string, task: RoleTask): () => Promise<void> {
    const key = lockKey(`role:${role}`);
    let leading = false;
    let withdrawn = false;
    let timer: NodeJS.Timeout | null = null;
    const attempt = async () => {
      timer = null;
      if (withdrawn || this.closed) return;
      try {
        if (!this.held.has(key)) {
          this.held.add(key);
          const r = await this.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [key]);
          if (r.rows[0]?.ok && !withdrawn) {
            leading = true;
            task.start();
            return;
          }
          if (r.rows[0]?.ok) await this.unlock(key);
          else this.held.delete(key);
        }
      } catch (err) {
        this.held.delete(key);
        this.errors.report('taking a coordinator role failed', err, { role });
      }
      timer = setTimeout(attempt, this.roleRetryMs);
      timer.unref();
    };
    void attempt();
    const entry = {
      withdraw: async () => {
        if (withdrawn) return;
        withdrawn = true;
        this.roles.delete(entry);
        if (timer) clearTimeout(timer);
        if (leading) {
          leading = false;
          await task.stop();
          await this.unlock(key);
        }
      },
    };
    this.roles.add(entry);
    return entry.withdraw;
  }

  signal(topic: string, payload = ''): void {
    this.signals.notify(SIGNAL_CHANNEL, JSON.stringify({ t: topic, p: payload })).catch((err: unknown) => {
      this.errors.report('sending a signal to the other nodes failed', err, { topic });
    });
  }

  onSignal(topic: string, listener: SignalListener): () => void {
    return this.listeners.add(topic, listener);
  }

  async close(): Promise<void> {
    await Promise.all([...this.roles].map((r) => r.withdraw()));
    this.closed = true;
    await this.signals.close();
    // Ending the session releases every advisory lock it still holds.
    await this.session?.end().catch(() => {});
    this.session = null;
    await this.pool.end().catch(() => {});
  }

  // ---------------------------------------------------------------------------------------------

  private releaser(key: string): Release {
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.unlock(key).catch((err: unknown) =>
        this.errors.report('releasing an advisory lock failed', err, {}),
      );
    };
  }

  /**
   * Forgotten locally at once: the unlock is queued on the session before any later request of this
   * process, so a tryLock right after a release runs after the unlock and finds the lock free.
   */
  private async unlock(key: string): Promise<void> {
    this.held.delete(key);
    if (this.session) await this.query('SELECT pg_advisory_unlock($1)', [key]);
  }

  /** A query on the lock session, in call order: one connection runs one query at a time. */
  private query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    const run = this.chain.then(async () => (await this.connection()).query<R>(text, values));
    this.chain = run.catch(() => {});
    return run;
  }

  /** The session holding the locks; if it died, its locks died with it, so the table starts empty. */
  private connection(): Promise<pg.Client> {
    if (this.session) return Promise.resolve(this.session);
    this.sessionReady ??= (async () => {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', (err) => {
        this.errors.report('coordinator connection lost; its locks are released', err, {});
        if (this.session === client) {
          this.session = null;
          this.held.clear();
        }
      });
      try {
        await client.connect();
      } catch (err) {
        this.sessionReady = null;
        throw err;
      }
      this.session = client;
      this.sessionReady = null;
      return client;
    })();
    return this.sessionReady;
  }

  private receiveSignal(payload: string): void {
    let message: { t?: unknown; p?: unknown };
    try {
      message = JSON.parse(payload) as { t?: unknown; p?: unknown };
    } catch {
      return;
    }
    if (typeof message.t !== 'string') return;
    this.listeners.deliver(message.t, typeof message.p === 'string' ? message.p : '');
  }

  /**
   * One atomic upsert (the row is locked by ON CONFLICT DO UPDATE), with the rules of failure-table.ts:
   * a finished block starts the count afresh, a quiet window forgets failures, reaching block.at blocks.
   */
  private async bump(key: string, rule: FailureRule, now: number): Promise<FailureState> {
    const at = rule.block?.at ?? null;
    const ms = rule.block?.ms ?? 0;
    const fresh = `CASE WHEN f.blocked_until <> 0 AND f.blocked_until <= $2::bigint THEN 0
                        WHEN f.blocked_until = 0 AND $2::bigint - f.last_failure > $3::bigint THEN 0
                        ELSE f.failures END + 1`;
    const blocked =
      'CASE WHEN f.blocked_until <> 0 AND f.blocked_until <= $2::bigint THEN 0 ELSE f.blocked_until END';
    const r = await this.pool.query<{ failures: number; blocked_until: string }>(
      `INSERT INTO coord_failures AS f (key, failures, last_failure, blocked_until)
       VALUES ($1, 1, $2::bigint, CASE WHEN $4::int IS NOT NULL AND 1 >= $4::int THEN $2::bigint + $5::bigint ELSE 0 END)
       ON CONFLICT (key) DO UPDATE SET
         failures = ${fresh},
         last_failure = $2::bigint,
         blocked_until = CASE WHEN $4::int IS NOT NULL AND ${fresh} >= $4::int THEN $2::bigint + $5::bigint ELSE ${blocked} END
       RETURNING failures, blocked_until`,
      [key, now, rule.windowMs, at, ms],
    );
    const row = r.rows[0]!;
    // Bounded like the in-memory table: now and then, forget keys quiet for a day and not blocked.
    if (++this.bumps % PRUNE_EVERY === 0) {
      this.pool
        .query('DELETE FROM coord_failures WHERE last_failure < $1 AND blocked_until < $2', [
          now - DAY_MS,
          now,
        ])
        .catch((err: unknown) => this.errors.report('pruning failure counters failed', err, {}));
    }
    return { failures: Number(row.failures), blockedUntil: Number(row.blocked_until) };
  }

  private async read(keys: readonly string[], windowMs: number, now: number): Promise<FailureState[]> {
    const r = await this.pool.query<{
      key: string;
      failures: number;
      last_failure: string;
      blocked_until: string;
    }>('SELECT key, failures, last_failure, blocked_until FROM coord_failures WHERE key = ANY($1::text[])', [
      [...keys],
    ]);
    const byKey = new Map(r.rows.map((row) => [row.key, row]));
    return keys.map((key) => {
      const row = byKey.get(key);
      if (!row) return { failures: 0, blockedUntil: 0 };
      const blockedUntil = Number(row.blocked_until);
      const lastFailure = Number(row.last_failure);
      if (blockedUntil !== 0 && blockedUntil <= now) return { failures: 0, blockedUntil: 0 };
      if (blockedUntil === 0 && now - lastFailure > windowMs) return { failures: 0, blockedUntil: 0 };
      return { failures: row.failures, blockedUntil };
    });
  }
}
