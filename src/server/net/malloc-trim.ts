/**
 * Gives freed native memory back to the system after many connections have closed (issue 15).
 *
 * Each TLS session leaves its OpenSSL and socket state in glibc's main malloc arena (about 26 KB). When
 * the sessions close that memory is freed but stays resident: glibc returns only the top of a heap to
 * the system, and the freed chunks sit between live ones. glibc's malloc_trim(0) also releases the free
 * pages inside every arena. Node has no FFI, so it is called through the optional `koffi` package; where
 * koffi or glibc is missing the trim is skipped (logged once at debug), and memory stays as it would
 * without this.
 *
 * When: the open connections fell by `afterClosed` from their high point since the last trim; then
 * once `settleMs` has passed (the rest of a mass close goes into the same trim), and at most once per
 * `minIntervalMs`. The call runs on libuv's thread pool (koffi's async call), not on the event loop.
 */
import type { Logger } from 'pino';

/** Calls malloc_trim(0); resolves with true when some memory was returned to the system. */
export type MallocTrim = () => Promise<boolean>;
/** Finds malloc_trim; null (or a rejection) when this platform has none. Called at most once. */
export type MallocTrimLoader = () => Promise<MallocTrim | null>;

export interface MallocTrimOptions {
  /** Where malloc_trim comes from (tests inject one); default: glibc's, through koffi. */
  load?: MallocTrimLoader;
  /** How far the open connections must fall from their high point before a trim. */
  afterClosed?: number;
  /** How long after that fall the trim runs (more closes of the same burst are covered). */
  settleMs?: number;
  /** At least this long between two trims. */
  minIntervalMs?: number;
}

/** A fall of 512 connections frees about 13 MB of TLS state; fewer is not worth a walk over the heap. */
const DEFAULT_AFTER_CLOSED = 512;
const DEFAULT_SETTLE_MS = 2_000;
const DEFAULT_MIN_INTERVAL_MS = 10_000;

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

/** glibc's version at run time ('' on musl and other C libraries), from Node's diagnostic report. */
function glibcVersion(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ?? '';
}

export interface MallocTrimStats {
  /** Trims that ran. */
  trims: number;
  /** Duration of the last trim in ms (on the thread pool), -1 before the first. */
  lastTrimMs: number;
  /** False once the loader found no malloc_trim: nothing will be trimmed in this process. */
  available: boolean;
}

/** Counts open connections and trims after many have closed; `connectionOpened/Closed` are O(1). */
export class NativeMemoryReclaimer {
  private open = 0;
  private highPoint = 0;
  private timer: NodeJS.Timeout | null = null;
  private lastTrimAt = Number.NEGATIVE_INFINITY;
  private trim: Promise<MallocTrim | null> | null = null;
  private running = false;
  private closed = false;
  private readonly afterClosed: number;
  private readonly settleMs: number;
  private readonly minIntervalMs: number;
  private readonly load: MallocTrimLoader;
  readonly stats: MallocTrimStats = { trims: 0, lastTrimMs: -1, available: true };

  constructor(
    private readonly log: Logger,
    options: MallocTrimOptions = {},
  ) {
    this.load = options.load ?? loadGlibcMallocTrim;
    this.afterClosed = options.afterClosed ?? DEFAULT_AFTER_CLOSED;
    this.settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
    this.minIntervalMs = options.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
  }

  connectionOpened(): void {
    this.open += 1;
    if (this.open > this.highPoint) this.highPoint = this.open;
  }

  connectionClosed(): void {
    this.open -= 1;
    if (this.highPoint - this.open >= this.afterClosed) this.schedule();
  }

  /** True while a trim is scheduled and has not started. */
  pending(): boolean {
    return this.timer !== null;
  }

  /** Stops the pending trim (server shutdown). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.running || this.closed || !this.stats.available) return;
    const wait = Math.max(this.settleMs, this.lastTrimAt + this.minIntervalMs - performance.now());
    // unref: a pending trim never keeps the process alive.
    this.timer = setTimeout(() => void this.run(), wait).unref();
  }

  private async run(): Promise<void> {
    this.timer = null;
    this.running = true;
    // The closes seen so far are covered by this trim; the next one needs another fall from here.
    this.highPoint = this.open;
    try {
      this.trim ??= this.loadOnce();
      const trim = await this.trim;
      if (!trim) return;
      const started = performance.now();
      const released = await trim();
      this.lastTrimAt = performance.now();
      this.stats.trims += 1;
      this.stats.lastTrimMs = this.lastTrimAt - started;
      this.log.debug({ ms: Math.round(this.stats.lastTrimMs), released, open: this.open }, 'malloc_trim');
    } catch (err) {
      this.log.warn({ err }, 'malloc_trim failed; not trying again');
      this.stats.available = false;
    } finally {
      this.running = false;
    }
  }

  private async loadOnce(): Promise<MallocTrim | null> {
    try {
      const trim = await this.load();
      if (!trim) this.unavailable('this platform has no glibc');
      return trim;
    } catch (err) {
      this.unavailable(err instanceof Error ? err.message : String(err));
      return null;
    }
  }

  private unavailable(reason: string): void {
    this.stats.available = false;
    this.log.debug({ reason }, 'malloc_trim unavailable: freed native memory stays with the process');
  }
}
