/**
 * Gives memory back to the system after many connections have closed (issue 15).
 *
 * - V8: the heap grown while the sessions were open stays committed, because Node never tells V8 it is
 *   idle (no idle-time GC) and an idle server allocates nothing that would start the next full GC. A
 *   full GC gives it back; without --expose-gc the documented way to ask for one is
 *   `vm.measureMemory({ execution: 'eager' })` (experimental in Node 20: one ExperimentalWarning on
 *   stderr the first time). It runs on the event loop (tens to hundreds of ms), once per mass close.
 * - glibc: each TLS session leaves its OpenSSL and socket state in the main malloc arena (about 26 KB).
 *   When the sessions close that memory is freed but stays resident: glibc returns only the top of a
 *   heap, and the freed chunks sit between live ones. malloc_trim(0) also releases the free pages inside
 *   every arena. Node has no FFI, so it is called through the optional `koffi` package, on libuv's thread
 *   pool (koffi's async call); where koffi or glibc is missing the trim is skipped (logged once at
 *   debug). The event loop still waits if it allocates while the trim holds the arena's lock.
 *
 * When: the open connections fell by `afterClosed` from their high point since the last reclaim, or rose
 * by `afterOpened` from their low point (a login storm: DEFAULT_AFTER_OPENED says why); then once no
 * connection has opened or closed for `settleMs` (a mass close takes seconds, and a GC in the middle of it
 * leaves the rest of the sessions on the heap; at most `maxSettleMs` after that fall), no sooner than
 * `minIntervalMs` and 10 times the last reclaim's cost after the last one started. The GCs run first, so
 * native memory that dead JS objects held is freed before the trim.
 */
import { measureMemory } from 'node:vm';
import type { Logger } from 'pino';

/** Calls malloc_trim(0); resolves with true when some memory was returned to the system. */
export type MallocTrim = () => Promise<boolean>;
/** Finds malloc_trim; null (or a rejection) when this platform has none. Called at most once. */
export type MallocTrimLoader = () => Promise<MallocTrim | null>;

export interface MemoryReclaimOptions {
  /** Where malloc_trim comes from (tests inject one); default: glibc's, through koffi. */
  load?: MallocTrimLoader;
  /** One full V8 GC (tests inject one); default: vm.measureMemory's eager one (fullGarbageCollection). */
  collectGarbage?: () => Promise<void>;
  /**
   * The pause between the reclaim's two GCs (QUIET_BEFORE_SECOND_GC_MS says why); null: one GC only (the
   * first version, for comparison).
   */
  pauseBeforeSecondGcMs?: number | null;
  /** How far the open connections must fall from their high point before a reclaim. */
  afterClosed?: number;
  /** How far they must rise from their low point (a login storm) before a reclaim. */
  afterOpened?: number;
  /** How long no connection must have opened or closed before the reclaim runs (the burst is over). */
  settleMs?: number;
  /** The longest the reclaim waits for that quiet after the fall. */
  maxSettleMs?: number;
  /** At least this long between two reclaims' starts (and 10 times what the last one cost). */
  minIntervalMs?: number;
}

/** A fall of 512 connections frees about 13 MB of TLS state; fewer is not worth a walk over the heaps. */
const DEFAULT_AFTER_CLOSED = 512;
/**
 * A storm of 512 logins leaves garbage promoted to the old generation between the sessions' objects and a
 * young generation grown to 32 MB: after it, V8's committed heap was 2.6 times what the sessions use
 * (10,000 plain sessions: 23 KB committed per session, 9 KB used). The same reclaim gives that back.
 */
const DEFAULT_AFTER_OPENED = 512;
const DEFAULT_SETTLE_MS = 2_000;
const DEFAULT_MAX_SETTLE_MS = 30_000;
/** A reclaim can stall the event loop for a second or more (bench/malloc-trim.ts): see COST_MULTIPLE. */
const DEFAULT_MIN_INTERVAL_MS = 10_000;
/**
 * Beyond minIntervalMs, the time between two reclaims' starts is at least this many times what the last
 * one cost (its GCs and its trim): at most ~10% of the time goes to reclaiming, and only while the
 * connections keep swinging by hundreds. A fixed minute was too long: after a mass close or a login storm
 * that came within a minute of the previous one, the reclaim ran only during the next storm, and 10,000
 * plain sessions left +80% resident 30 s after they closed (bench/idle.ts).
 */
const COST_MULTIPLE = 10;

interface KoffiFunction {
  async(pad: number, done: (err: unknown, released: number) => void): void;
}
interface Koffi {
  load(path: string): { func(declaration: string): KoffiFunction };
}

/** glibc's malloc_trim through koffi; null on a system without glibc or without koffi installed. */
export const loadGlibcMallocTrim: MallocTrimLoader = async () => {
  if (process.platform !== 'linux' || !glibcVersion()) return null;
  // A variable specifier: koffi is an optionalDependency, absent where its binary does not exist.
  const specifier = 'koffi';
  const koffi = ((await import(specifier)) as { default: Koffi }).default;
  const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
  return () =>
    new Promise<boolean>((resolve, reject) =>
      trim.async(0, (err, released) => (err ? reject(err) : resolve(released === 1))),
    );
};

/** A full GC without --expose-gc: measuring memory eagerly starts one at once. */
export async function fullGarbageCollection(): Promise<void> {
  await measureMemory({ mode: 'summary', execution: 'eager' });
}

/**
 * Why a reclaim runs two GCs with a pause between them: V8 shrinks its young generation (grown to 2 x 16 MB
 * semi-spaces by a login storm) only in a GC that finds the allocation rate of the last 5 s low
 * (Heap::ReduceNewSpaceSize); two GCs in a row right after a mass close do not, and 32 MB stay committed
 * for good. The first GC finds the closed sessions dead and frees what they held; the second, after 6 s
 * of (normally) little allocation, gives the young generation back. A script with 10,000 sessions' worth
 * of objects: 36 MB committed after two GCs in a row, 5 MB with the pause (young generation 32 -> 1 MB).
 * A busy server keeps its young generation, as it should.
 */
export const QUIET_BEFORE_SECOND_GC_MS = 6_000;

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** glibc's version at run time ('' on musl and other C libraries), from Node's diagnostic report. */
function glibcVersion(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ?? '';
}

export interface MemoryReclaimStats {
  /** Reclaims that ran (each a GC, then a trim where there is one). */
  reclaims: number;
  /** malloc_trim calls that ran. */
  trims: number;
  /** Duration of the last GC and of the last trim (on the thread pool) in ms, -1 before the first. */
  lastGcMs: number;
  lastTrimMs: number;
  /** False once the loader found no malloc_trim: nothing will be trimmed in this process. */
  trimAvailable: boolean;
}

/** Counts open connections and reclaims after many have closed; `connectionOpened/Closed` are O(1). */
export class MemoryReclaimer {
  private open = 0;
  private highPoint = 0;
  private lowPoint = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastReclaimAt = Number.NEGATIVE_INFINITY;
  private trim: Promise<MallocTrim | null> | null = null;
  private running = false;
  private closed = false;
  private readonly afterClosed: number;
  private readonly afterOpened: number;
  private readonly settleMs: number;
  private readonly maxSettleMs: number;
  /** When the pending reclaim was first scheduled, and when it may run at the earliest (min interval). */
  private scheduledAt = 0;
  private notBefore = 0;
  private readonly minIntervalMs: number;
  private readonly load: MallocTrimLoader;
  private readonly collectGarbage: () => Promise<void>;
  private readonly pauseBeforeSecondGcMs: number | null;
  readonly stats: MemoryReclaimStats = {
    reclaims: 0,
    trims: 0,
    lastGcMs: -1,
    lastTrimMs: -1,
    trimAvailable: true,
  };

  constructor(
    private readonly log: Logger,
    options: MemoryReclaimOptions = {},
  ) {
    this.load = options.load ?? loadGlibcMallocTrim;
    this.collectGarbage = options.collectGarbage ?? fullGarbageCollection;
    this.pauseBeforeSecondGcMs =
      options.pauseBeforeSecondGcMs === undefined ? QUIET_BEFORE_SECOND_GC_MS : options.pauseBeforeSecondGcMs;
    this.afterClosed = options.afterClosed ?? DEFAULT_AFTER_CLOSED;
    this.afterOpened = options.afterOpened ?? DEFAULT_AFTER_OPENED;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.maxSettleMs = options.maxSettleMs ?? DEFAULT_MAX_SETTLE_MS;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  }

  connectionOpened(): void {
    this.open += 1;
    if (this.open > this.highPoint) this.highPoint = this.open;
    if (this.timer) this.postpone();
    else if (this.open - this.lowPoint >= this.afterOpened) this.schedule();
  }

  connectionClosed(): void {
    this.open -= 1;
    if (this.open < this.lowPoint) this.lowPoint = this.open;
    if (this.timer) this.postpone();
    else if (this.highPoint - this.open >= this.afterClosed) this.schedule();
  }

  /** True while a reclaim is scheduled and has not started. */
  pending(): boolean {
    return this.timer !== null;
  }

  /** Stops the pending reclaim (server shutdown). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.running || this.closed) return;
    const now = performance.now();
    this.scheduledAt = now;
    const lastCost = Math.max(0, this.stats.lastGcMs) + Math.max(0, this.stats.lastTrimMs);
    this.notBefore = this.lastReclaimAt + Math.max(this.minIntervalMs, COST_MULTIPLE * lastCost);
    // unref: a pending reclaim never keeps the process alive.
    this.timer = setTimeout(() => void this.run(), Math.max(this.settleMs, this.notBefore - now)).unref();
  }

  /** Another open or close of the burst: wait for quiet again, within maxSettleMs of the fall or rise. */
  private postpone(): void {
    const quietUntil = performance.now() + this.settleMs;
    // Past maxSettleMs, or waiting out minIntervalMs anyway: the timer stays as it is.
    if (quietUntil > this.scheduledAt + this.maxSettleMs || quietUntil <= this.notBefore) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), this.settleMs).unref();
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    // The changes seen so far are covered by this reclaim; the next one needs another rise or fall from here.
    this.highPoint = this.open;
    this.lowPoint = this.open;
    // The interval runs from the start: the pause inside a reclaim does not delay the next one.
    this.lastReclaimAt = performance.now();
    try {
      await this.collect();
      await this.trimOnce();
    } finally {
      this.stats.reclaims += 1;
      this.running = false;
    }
  }

  /** One GC, or two around the pause; lastGcMs counts the GCs, not the pause. */
  private async collect(): Promise<void> {
    try {
      let gcMs = await timed(this.collectGarbage);
      if (this.pauseBeforeSecondGcMs !== null) {
        // unref: a reclaim in progress never keeps the process alive.
        await new Promise((resolve) => setTimeout(resolve, this.pauseBeforeSecondGcMs!).unref());
        if (this.closed) return;
        gcMs += await timed(this.collectGarbage);
      }
      this.stats.lastGcMs = gcMs;
    } catch (err) {
      this.log.debug({ err }, 'full GC failed');
    }
  }

  private async trimOnce(): Promise<void> {
    this.trim ??= this.loadTrim();
    const trim = await this.trim;
    if (!trim) return;
    const started = performance.now();
    try {
      const released = await trim();
      this.stats.trims += 1;
      this.stats.lastTrimMs = performance.now() - started;
      this.log.debug(
        {
          gcMs: Math.round(this.stats.lastGcMs),
          trimMs: Math.round(this.stats.lastTrimMs),
          released,
          open: this.open,
        },
        'memory reclaimed',
      );
    } catch (err) {
      this.log.warn({ err }, 'malloc_trim failed; not trying again');
      this.trim = Promise.resolve(null);
      this.stats.trimAvailable = false;
    }
  }

  private async loadTrim(): Promise<MallocTrim | null> {
    try {
      const trim = await this.load();
      if (!trim) this.trimUnavailable('this platform has no glibc');
      return trim;
    } catch (err) {
      this.trimUnavailable(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  private trimUnavailable(reason: string): void {
    this.stats.trimAvailable = false;
    this.log.debug({ reason }, 'malloc_trim unavailable: freed native memory stays with the process');
  }
}
