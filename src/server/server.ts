/**
 * Starting and stopping a whole server: store, bus, auth, TLS and every listener, plus periodic
 * maintenance; and the process-level signal handling the CLI installs (SIGTERM/SIGINT graceful stop,
 * SIGHUP reload, last-resort exception logging).
 */
import type { Logger } from 'pino';
import type { ChangeBus } from '../bus/bus.js';
import type { Coordinator } from '../bus/coordinator.js';
import { LocalCoordinator } from '../bus/local-coordinator.js';
import { listenerEnabled, loadConfig } from '../config/config.js';
import type { Config } from '../config/types.js';
import { flushLogger } from '../lib/log.js';
import type { Store } from '../store/store.js';
import { ActivityRecorder } from './activity/recorder.js';
import { type AuthServiceOptions, createAuthService } from './auth/service.js';
import { OutgoingQueue } from './cluster/roles.js';
import type { ServerContext } from './context.js';
import type { DeliveryListeners } from './delivery/listeners.js';
import { createRootLogger } from './logging.js';
import type { ProtocolFactory, ProtocolHandler } from './net/connection.js';
import { type RunningListener, startListener } from './net/listener.js';
import { MemoryReclaimer, type MemoryReclaimOptions } from './net/memory-reclaimer.js';
import { createTlsProvider } from './net/tls.js';
import { UserConnections } from './net/user-connections.js';
import { type QueueClock, systemClock } from './outgoing/clock.js';
import { DkimSigner } from './outgoing/dkim.js';
import type { RouteResolver } from './outgoing/routes.js';

export interface StartServerOptions {
  /** Root logger; defaults to one built from config.log. */
  log?: Logger;
  /**
   * The open store and the bus it publishes on. The server never picks a backend (DESIGN.md): the CLI's
   * composition root does (src/cli/runtime.ts startConfiguredServer). Both are closed by close().
   */
  store: Store;
  bus: ChangeBus;
  /**
   * What is exclusive or counted across processes (POP3 locks, connection slots, auth throttle, who
   * runs the outgoing queue and maintenance); in-process by default. Closed by close().
   */
  coordinator?: Coordinator;
  /** Authentication service settings (tests inject a clock and record failure delays). */
  auth?: AuthServiceOptions;
  /** Outgoing queue: tests inject a clock they move by hand (retry schedule, expiry) or routes. */
  outgoing?: { clock?: QueueClock; routes?: RouteResolver };
  /** Returning freed native memory after many connections close (tests inject the loader); false: never. */
  memoryReclaim?: MemoryReclaimOptions | false;
}

export interface RunningServer {
  ctx: ServerContext;
  /** Bound port per running listener name ("imap", "imaps", "pop3", "pop3s", "smtp", "lmtp", ...). */
  ports: Record<string, number>;
  /** The outgoing queue ('attempt' events after each delivery attempt this process made). */
  outgoing: OutgoingQueue;
  /**
   * Graceful stop: stop accepting, ask every protocol to say goodbye and wait for its sessions (at most
   * `graceMs`, default 10 s, then remaining sockets are destroyed), stop maintenance, close the store.
   * Safe to call more than once.
   */
  close(options?: { graceMs?: number }): Promise<void>;
  /**
   * SIGHUP: re-read certificates (new connections get the new one, existing ones stay) and apply the
   * config values that can change live (limits, log level, trusted networks, plaintext auth, local
   * domains, POP3/delivery/retention settings). Listener and store settings need a restart (logged).
   */
  reload(next?: Config): Promise<void>;
}

interface MailListenerPlan {
  name: keyof Config['listeners'];
  implicitTls: boolean;
  /** Protocol modules load only when a listener needs them (and admin tools never pay for them). */
  load: () => Promise<ProtocolFactory>;
}

const loadImap = () => import('./imap/server.js').then((m) => m.createImapProtocol);
const loadPop3 = () => import('./pop3/server.js').then((m) => m.createPop3Protocol);

const MAIL_LISTENERS: readonly MailListenerPlan[] = [
  { name: 'imap', implicitTls: false, load: loadImap },
  { name: 'imaps', implicitTls: true, load: loadImap },
  { name: 'pop3', implicitTls: false, load: loadPop3 },
  { name: 'pop3s', implicitTls: true, load: loadPop3 },
];

/** Started by the delivery module (src/server/delivery/listeners.ts). */
const DELIVERY_LISTENERS = ['smtp', 'submission', 'submissions', 'lmtp'] as const;

/** Started by src/http/listener.ts. */
const HTTP_LISTENERS = ['http', 'https'] as const;

const DEFAULT_GRACE_MS = 10_000;

/** Coordinator roles and signals (src/server/cluster/README.md). */
const MAINTENANCE_ROLE = 'maintenance';
const AUTH_INVALIDATE = 'auth-invalidate';

/** How long the pages' history is kept: mail events and device logins, and the storage chart. */
const ACTIVITY_KEEP_DAYS = 90;
const USAGE_KEEP_DAYS = 400;
const DAY_MS = 86_400_000;

/** Starts every enabled listener on an open store. Rejects (having cleaned up) if any part fails. */
export async function startServer(config: Config, options: StartServerOptions): Promise<RunningServer> {
  const log = options.log ?? createRootLogger(config.log);
  const tls = createTlsProvider(config.tls);
  const { bus, store } = options;
  const coordinator = options.coordinator ?? new LocalCoordinator();
  let stopping = false;
  const auth = createAuthService(store, config, log, { failures: coordinator.failures, ...options.auth });
  // A password change or account removal in any process drops this process's cached verifications too.
  const stopInvalidations = coordinator.onSignal(AUTH_INVALIDATE, (login) => auth.invalidate(login));
  const ctx: ServerContext = {
    config,
    store,
    bus,
    coordinator,
    auth: { ...auth, invalidate: (login) => coordinator.signal(AUTH_INVALIDATE, login) },
    tls,
    log,
    shuttingDown: () => stopping,
    userConnections: new UserConnections(config, coordinator),
    activity: new ActivityRecorder(store, log),
    dkim: new DkimSigner(() => config.dataDir),
    ...(options.memoryReclaim === false || !config.reclaimMemory
      ? {}
      : { memoryReclaimer: new MemoryReclaimer(log.child({ component: 'memory' }), options.memoryReclaim) }),
  };
  // Every mail login that got a slot is a device using a protocol (the setup page's "used lately").
  ctx.userConnections!.onLogin = (s) =>
    ctx.activity?.login({
      accountId: s.accountId,
      protocol: s.protocol,
      device: s.remoteAddress,
      at: s.since,
    });
  let graceForSends = DEFAULT_GRACE_MS;
  const outgoing = new OutgoingQueue(
    coordinator,
    {
      store,
      config,
      log: log.child({ component: 'outgoing' }),
      clock: options.outgoing?.clock ?? systemClock,
      routes: options.outgoing?.routes,
    },
    () => graceForSends,
  );
  ctx.outgoing = outgoing;

  const listeners: RunningListener[] = [];
  const handlers: ProtocolHandler[] = [];
  const ports: Record<string, number> = {};
  let delivery: DeliveryListeners | null = null;
  // The queue runner starts once the listeners are up (below); maintenance runs where the role is.
  let maintenance: Maintenance | null = null;
  const withdrawMaintenance = coordinator.lead(MAINTENANCE_ROLE, {
    start: () => {
      maintenance = startMaintenance(ctx);
    },
    stop: async () => {
      const running = maintenance;
      maintenance = null;
      await running?.stop();
    },
  });

  let closing: Promise<void> | null = null;
  const close = (closeOptions: { graceMs?: number } = {}) => {
    stopping = true;
    closing ??= shutdown(closeOptions.graceMs ?? DEFAULT_GRACE_MS);
    return closing;
  };

  async function shutdown(graceMs: number): Promise<void> {
    log.info('shutting down');
    await Promise.all(listeners.map((l) => l.close()));
    const sessionsDone = Promise.allSettled([
      ...handlers.map((h) => h.shutdown()),
      delivery?.close() ?? Promise.resolve(),
    ]);
    const inTime = await withTimeout(sessionsDone, graceMs);
    if (!inTime) log.warn({ graceMs }, 'sessions still open after the grace period; closing them');
    for (const l of listeners) l.destroyConnections();
    ctx.memoryReclaimer?.close();
    // Sends in flight get the grace period too; what does not finish stays queued.
    graceForSends = graceMs;
    await outgoing.close();
    await withdrawMaintenance();
    stopInvalidations();
    await ctx.activity?.flush();
    await settle(log, 'store close', store.close());
    await settle(log, 'bus close', bus.close());
    await settle(log, 'coordinator close', coordinator.close());
    log.info('stopped');
    flushLogger(log);
  }

  try {
    for (const plan of MAIL_LISTENERS) {
      const settings = config.listeners[plan.name];
      if (!listenerEnabled(settings)) continue;
      const protocol = (await plan.load())(ctx, { implicitTls: plan.implicitTls });
      handlers.push(protocol);
      const listener = await startListener(ctx, {
        name: plan.name,
        host: settings.host,
        port: settings.port,
        implicitTls: plan.implicitTls,
        protocol,
      });
      listeners.push(listener);
      ports[plan.name] = listener.port;
    }
    if (DELIVERY_LISTENERS.some((name) => listenerEnabled(config.listeners[name]))) {
      // Loaded only when needed: it pulls in smtp-server and the MIME engine.
      const { startDeliveryListeners } = await import('./delivery/listeners.js');
      delivery = await startDeliveryListeners(ctx);
      Object.assign(ports, delivery.ports);
    }
    if (HTTP_LISTENERS.some((name) => listenerEnabled(config.listeners[name]))) {
      // Last: the pages announce the mail ports actually bound. Loaded only when needed (Fastify).
      const { startHttpListeners } = await import('../http/listener.js');
      const web = await startHttpListeners(ctx, ports);
      handlers.push(web.handler);
      listeners.push(...web.listeners);
      Object.assign(ports, web.ports);
    }
  } catch (err) {
    await close({ graceMs: 0 });
    throw err;
  }

  return {
    ctx,
    ports,
    outgoing,
    close,
    reload: async (next) => {
      await tls.reload(next?.tls);
      if (next) applyLiveConfig(ctx, next);
      maintenance?.reschedule();
      log.info('configuration reloaded');
    },
  };
}

/** Copies the live-changeable parts of `next` into the running config object (sessions read it). */
function applyLiveConfig(ctx: ServerContext, next: Config): void {
  const current = ctx.config;
  const needsRestart = ['dataDir', 'store', 'listeners'].filter(
    (key) => JSON.stringify(current[key as keyof Config]) !== JSON.stringify(next[key as keyof Config]),
  );
  if (needsRestart.length > 0) {
    ctx.log.warn({ keys: needsRestart }, 'these settings change only after a restart');
  }
  Object.assign(current.limits, next.limits);
  Object.assign(current.pop3, next.pop3);
  Object.assign(current.delivery, next.delivery);
  current.outgoing = structuredClone(next.outgoing);
  current.tls = { ...next.tls };
  current.hostname = next.hostname;
  current.localDomains = [...next.localDomains];
  current.allowPlaintextAuth = next.allowPlaintextAuth;
  current.trustedNetworks = [...next.trustedNetworks];
  current.retentionDays = next.retentionDays;
  current.maintenanceIntervalMinutes = next.maintenanceIntervalMinutes;
  if (current.log.level !== next.log.level) {
    current.log.level = next.log.level;
    ctx.log.level = next.log.level;
  }
}

interface Maintenance {
  /** Re-reads config.maintenanceIntervalMinutes. */
  reschedule(): void;
  /** Cancels the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Retention and blob garbage collection every config.maintenanceIntervalMinutes (unref'd timer). */
function startMaintenance(ctx: ServerContext): Maintenance {
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let stopped = false;

  const run = async () => {
    try {
      await recordUsage(ctx);
      const expunged = await ctx.store.applyRetention(new Date());
      const garbage = await ctx.store.collectGarbage();
      if (expunged || garbage.removed)
        ctx.log.info(
          { expunged, collectedBlobs: garbage.removed, freedBytes: garbage.freedBytes },
          'maintenance done',
        );
    } catch (err) {
      ctx.log.error({ err }, 'maintenance failed');
    }
  };
  const schedule = () => {
    if (timer) clearInterval(timer);
    if (stopped) return;
    timer = setInterval(() => {
      if (running || stopped) return; // never overlap runs
      running = run().finally(() => {
        running = null;
      });
    }, ctx.config.maintenanceIntervalMinutes * 60_000);
    timer.unref();
  };
  schedule();
  // A first usage sample now, so the storage chart has today's point without waiting an interval.
  running = recordUsage(ctx).finally(() => {
    running = null;
  });
  return {
    reschedule: schedule,
    async stop() {
      stopped = true;
      if (timer) clearInterval(timer);
      await running;
    },
  };
}

/** Today's storage use of every account (the chart over time), and pruning of old activity. */
async function recordUsage(ctx: ServerContext): Promise<void> {
  const now = new Date();
  try {
    await ctx.store.recordUsageSamples(now);
    await ctx.store.pruneActivity({
      before: new Date(now.getTime() - ACTIVITY_KEEP_DAYS * DAY_MS),
      usageBefore: new Date(now.getTime() - USAGE_KEEP_DAYS * DAY_MS),
      now,
    });
  } catch (err) {
    ctx.log.error({ err }, 'recording storage use failed');
  }
}

export interface SignalHandlingOptions {
  /** Re-reads the config on SIGHUP; defaults to loadConfig(server.ctx.config.dataDir). */
  reloadConfig?: () => Promise<Config>;
  /** Process exit (tests substitute it). */
  exit?: (code: number) => void;
  graceMs?: number;
  /**
   * A cluster worker: stops on SIGTERM from its primary or when the primary is gone, and ignores
   * SIGINT (a terminal's Ctrl-C reaches every process of the group; the primary decides).
   */
  clusterWorker?: boolean;
}

/**
 * Installs the process-level handlers `postyard serve` needs and returns a function removing them:
 * - SIGTERM / SIGINT: graceful close (stop accepting, BYE to sessions, wait, close store), exit 0;
 *   a second signal exits 1 at once.
 * - SIGHUP: reload certificates and live config; a broken new config is logged and ignored.
 * - uncaughtException / unhandledRejection: logged as a last resort; the process keeps serving
 *   (each session guards itself, so these point at a bug, not a reason to drop every connection).
 */
export function installSignalHandlers(
  server: RunningServer,
  options: SignalHandlingOptions = {},
): () => void {
  const log = server.ctx.log;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const reloadConfig = options.reloadConfig ?? (() => loadConfig(server.ctx.config.dataDir));
  let terminating = false;

  const onTerminate = (signal: NodeJS.Signals) => {
    if (terminating) {
      log.warn({ signal }, 'second signal: exiting now');
      flushLogger(log);
      exit(1);
      return;
    }
    terminating = true;
    log.info({ signal }, 'stopping');
    server.close({ graceMs: options.graceMs }).then(
      () => exit(0),
      (err: unknown) => {
        log.error({ err }, 'error during shutdown');
        flushLogger(log);
        exit(1);
      },
    );
  };
  const onHangup = () => {
    reloadConfig()
      .then((next) => server.reload(next))
      .catch((err: unknown) => log.error({ err }, 'reload failed; keeping the running configuration'));
  };
  const onUncaught = (err: unknown) => log.error({ err }, 'uncaught exception (kept running)');
  const onUnhandled = (err: unknown) => log.error({ err }, 'unhandled promise rejection (kept running)');

  const onInterrupt = options.clusterWorker ? () => {} : onTerminate;
  const onPrimaryGone = () => onTerminate('SIGTERM');
  process.on('SIGTERM', onTerminate);
  process.on('SIGINT', onInterrupt);
  process.on('SIGHUP', onHangup);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  if (options.clusterWorker) process.on('disconnect', onPrimaryGone);
  return () => {
    process.off('SIGTERM', onTerminate);
    process.off('SIGINT', onInterrupt);
    process.off('disconnect', onPrimaryGone);
    process.off('SIGHUP', onHangup);
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUnhandled);
  };
}

/** Resolves true if `promise` settled within `ms`, false otherwise. */
async function withTimeout(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function settle(log: Logger, what: string, promise: Promise<unknown>): Promise<void> {
  try {
    await promise;
  } catch (err) {
    log.error({ err }, `${what} failed`);
  }
}
