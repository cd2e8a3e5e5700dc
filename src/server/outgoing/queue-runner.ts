/**
 * The queue manager (Postfix's qmgr in small): keeps a bounded list of ready jobs (one per queued
 * message and destination domain, holding that domain's due recipients), runs them within the global
 * and per-destination connection limits, and wakes when a message is queued, when the next retry is
 * due, and every POLL_MS to pick up changes made by other processes (`postyard queue retry`).
 * Jobs come from the store, which is the truth: a crash loses nothing but the in-memory list, and a
 * message in flight at a crash is sent again after restart (at least once, as with Postfix).
 */
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Config } from '../../config/types.js';
import type { QueuedMessage, QueueRecipient, Store } from '../../store/store.js';
import { type AttemptReport, attemptDelivery } from './attempt.js';
import type { QueueClock } from './clock.js';
import { createRouteResolver, type RouteResolver } from './routes.js';
import { SessionPool } from './session-pool.js';

/** Ready jobs held in memory at most; more due work waits in the store for the next scan. */
const READY_LIMIT = 2_000;
const SCAN_PAGE = 500;
const POLL_MS = 60_000;

interface Job {
  message: QueuedMessage;
  domain: string;
  recipients: QueueRecipient[];
}

export interface QueueRunnerOptions {
  store: Store;
  /** The live config object (SIGHUP updates it in place). */
  config: Config;
  log: Logger;
  clock: QueueClock;
  routes?: RouteResolver;
}

export class QueueRunner {
  /** 'attempt' (AttemptReport) after each recorded attempt. */
  readonly events = new EventEmitter();
  private readonly ready = new Map<string, Job[]>();
  private readyCount = 0;
  /** Message ids with a job ready or running, so a scan does not add them twice. */
  private readonly held = new Map<number, number>();
  private readonly running = new Map<string, number>();
  private readonly inFlight = new Set<Promise<void>>();
  private active = 0;
  private moreDue = true;
  private scanning: Promise<void> | null = null;
  private cancelTimer: (() => void) | null = null;
  private wakeAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private readonly pool = new SessionPool();
  private readonly routes: RouteResolver;
  private lastSummary = '';

  constructor(private readonly options: QueueRunnerOptions) {
    this.routes = options.routes ?? createRouteResolver(() => options.config.outgoing);
  }

  start(): void {
    this.scan();
  }

  /** A message was just queued in this process: take it without a store scan. */
  queued(message: QueuedMessage): void {
    if (this.closed) return;
    if (this.readyCount >= READY_LIMIT) {
      this.moreDue = true;
      return;
    }
    this.add(message, this.options.clock.now());
    this.pump();
  }

  /** Looks for due work in the store now (e.g. after `queue retry` in this process). */
  wake(): void {
    this.moreDue = true;
    this.scan();
  }

  /** The queue's time (arrival and retry times are on this clock). */
  now(): number {
    return this.options.clock.now();
  }

  /** Jobs running now. */
  activeJobs(): number {
    return this.active;
  }

  /**
   * Stops taking jobs, lets running ones finish for up to `graceMs`, then closes their connections:
   * whatever did not finish stays queued and is sent after the next start.
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.allSettled([...this.inFlight]), grace]);
    clearTimeout(timer);
    if (this.active > 0)
      this.options.log.warn(
        { inFlight: this.active },
        'outgoing sends still running at shutdown: left queued',
      );
    this.pool.closeAll();
  }

  private get enabled(): boolean {
    return this.options.config.outgoing.mode !== 'disabled' && !this.closed;
  }

  private add(message: QueuedMessage, now: number): void {
    if (this.held.has(message.id)) return;
    const due = message.recipients.filter((r) => r.state === 'queued' && r.nextAttempt <= now);
    // One job per domain and DSN parameters: RCPT parameters go on the wire per transaction.
    const groups = new Map<string, Job>();
    for (const r of due) {
      const key = `${r.domain}|${r.notify.join(',')}|${r.orcpt ?? ''}`;
      const job = groups.get(key) ?? { message, domain: r.domain, recipients: [] };
      job.recipients.push(r);
      groups.set(key, job);
    }
    if (groups.size === 0) return;
    this.held.set(message.id, groups.size);
    for (const job of groups.values()) {
      const destination = this.destination(job.domain);
      const list = this.ready.get(destination) ?? [];
      list.push(job);
      this.ready.set(destination, list);
      this.readyCount++;
    }
  }

  /** Concurrency is counted per domain, or for the one smarthost all domains share. */
  private destination(domain: string): string {
    return this.options.config.outgoing.mode === 'smarthost' ? '[smarthost]' : domain;
  }

  private pump(): void {
    if (!this.enabled) return;
    const limits = this.options.config.outgoing;
    for (const [destination, jobs] of this.ready) {
      while (jobs.length > 0 && this.active < limits.maxConnections) {
        const running = this.running.get(destination) ?? 0;
        if (running >= limits.maxConnectionsPerDomain) break;
        const job = jobs.shift()!;
        this.readyCount--;
        this.run(destination, job);
      }
      if (jobs.length === 0) this.ready.delete(destination);
      if (this.active >= limits.maxConnections) break;
    }
    if (this.readyCount === 0 && this.moreDue && this.active < limits.maxConnections) this.scan();
  }

  private run(destination: string, job: Job): void {
    this.active++;
    this.running.set(destination, (this.running.get(destination) ?? 0) + 1);
    const { store, config, log, clock } = this.options;
    const work = attemptDelivery(
      {
        store,
        config,
        log,
        routes: this.routes,
        pool: this.pool,
        now: () => clock.now(),
        queued: (message) => this.queued(message),
      },
      job.message,
      job.domain,
      job.recipients,
    )
      .then((report) => this.finished(report))
      .catch((err: unknown) => log.error({ err, queueId: job.message.id }, 'delivery attempt failed'))
      .finally(() => {
        this.active--;
        const left = (this.running.get(destination) ?? 1) - 1;
        if (left > 0) this.running.set(destination, left);
        else this.running.delete(destination);
        const jobsLeft = (this.held.get(job.message.id) ?? 1) - 1;
        if (jobsLeft > 0) this.held.set(job.message.id, jobsLeft);
        else this.held.delete(job.message.id);
        this.inFlight.delete(work);
        this.pump();
      });
    this.inFlight.add(work);
  }

  private finished(report: AttemptReport): void {
    const log = this.options.log;
    for (const o of report.outcomes) {
      const fields = {
        queueId: report.messageId,
        to: o.address,
        relay: report.remoteMta,
        tls: report.secure,
      };
      if (o.outcome === 'delivered') log.info({ ...fields, reply: o.reply }, 'sent');
      else if (o.outcome === 'failed') log.warn({ ...fields, reply: o.reply }, 'bounced');
      else
        log.info({ ...fields, reply: o.reply, retryAt: new Date(o.nextAttempt!).toISOString() }, 'deferred');
      if (o.nextAttempt !== undefined) this.wakeBy(o.nextAttempt);
    }
    this.events.emit('attempt', report);
  }

  /** Reads due work from the store into the ready list (pages by id past what is held). */
  private scan(): void {
    if (this.scanning || this.closed) return;
    this.scanning = (async () => {
      const { store, clock } = this.options;
      const now = clock.now();
      this.moreDue = false;
      let afterId = 0;
      for (;;) {
        const page = await store.dueQueue(now, SCAN_PAGE, afterId);
        for (const message of page) this.add(message, now);
        if (page.length < SCAN_PAGE) break;
        afterId = page[page.length - 1]!.id;
        if (this.readyCount >= READY_LIMIT) {
          this.moreDue = true;
          break;
        }
      }
      const next = await store.nextQueueAttempt();
      this.wakeBy(next !== null && next > now ? next : now + POLL_MS);
      this.wakeBy(now + POLL_MS);
      await this.logSummary();
    })()
      .catch((err: unknown) => this.options.log.error({ err }, 'queue scan failed'))
      .finally(() => {
        this.scanning = null;
        this.pump();
      });
  }

  /** Makes sure the runner wakes by `at` (the earliest of every wish is kept). */
  private wakeBy(at: number): void {
    if (this.closed || at >= this.wakeAt) return;
    this.cancelTimer?.();
    this.wakeAt = at;
    this.cancelTimer = this.options.clock.setTimer(() => {
      this.cancelTimer = null;
      this.wakeAt = Number.POSITIVE_INFINITY;
      this.moreDue = true;
      this.scan();
    }, at - this.options.clock.now());
  }

  /** Queue size and age in the log when they change (and at most once a scan). */
  private async logSummary(): Promise<void> {
    const summary = await this.options.store.queueSummary();
    const ageSeconds =
      summary.oldest === null ? 0 : Math.round((this.options.clock.now() - summary.oldest) / 1000);
    const text = `${summary.messages}/${summary.recipients}`;
    if (text === this.lastSummary) return;
    this.lastSummary = text;
    this.options.log.info(
      {
        queued: summary.messages,
        waitingRecipients: summary.recipients,
        bytes: summary.bytes,
        oldestAgeSeconds: ageSeconds,
      },
      'outgoing queue',
    );
  }
}
