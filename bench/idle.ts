/**
 * Idle IMAP sessions at scale (issue 10): N logged-in sessions in IDLE on one server process, plain and
 * TLS, side by side with Dovecot (Debian's packages, ../shared/reference/dovecot-ref.sh).
 *
 * Per N (1,000 / 5,000 / 10,000; Dovecot up to --dovecot-max, default 5,000, as every Dovecot session
 * is a process):
 *   - memory per session: the server's resident size with N sessions idling minus before they connected,
 *     divided by N (Postyard: one process, after a full GC; Dovecot: the sum over its imap and
 *     imap-login processes), and what is left after they all closed;
 *   - EXISTS latency: one message is delivered over LMTP to each user (10 sessions per user, as
 *     Dovecot allows 10 per user and address), and every session's time from that delivery's final
 *     250 to its `* n EXISTS` is recorded: median, 99th percentile, maximum.
 * The client runs in this process, the Postyard server in a child process (like Dovecot, it gets its
 * own CPU time and its memory is measured alone).
 * After close (issue 15), Postyard's resident size is read 3, 10 and 30 s after the clients closed,
 * without a forced GC (as a running server is), and its growth is split into V8's committed heap and
 * glibc's main malloc arena (the main thread's native memory: OpenSSL and socket state), with the
 * reclaims the server made (src/server/net/memory-reclaimer.ts: a full GC, then malloc_trim);
 * `--no-reclaim` turns those off, and `--child-env "MALLOC_ARENA_MAX=2 ..."` runs its server with
 * allocator settings, to compare them.
 * Run compiled: `node dist/bench/idle.js [--small] [--postyard-only] [--write] [--sizes 1000,5000,10000]
 * [--transports plain,tls] [--no-reclaim | --gc-once] [--child-env "NAME=VALUE ..."]`.
 */
import { execFileSync, fork } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { dotStuff } from '../src/protocol/pop3/dot-stuffer.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { onLines, TransferConnection } from './lib/transfer-client.js';

const SESSIONS_PER_USER = 10;
const sizesArg = process.argv.find((_a, i) => process.argv[i - 1] === '--sizes');
const SIZES = sizesArg ? sizesArg.split(',').map(Number) : SMALL ? [200, 1000] : [1000, 5000, 10_000];
const dovecotMaxArg = process.argv.find((_a, i) => process.argv[i - 1] === '--dovecot-max');
const DOVECOT_MAX = dovecotMaxArg ? Number(dovecotMaxArg) : 5000;
const CHILD_ENV = process.argv.find((_a, i) => process.argv[i - 1] === '--child-env');
const transportsArg = process.argv.find((_a, i) => process.argv[i - 1] === '--transports');
const TRANSPORTS = (transportsArg ?? 'plain,tls').split(',').map((t) => t === 'tls');
const NO_RECLAIM = process.argv.includes('--no-reclaim');
/** The reclaim with one full GC instead of two around a pause (the first version), to compare. */
const GC_ONCE = process.argv.includes('--gc-once');
/** How long after the last login the idle memory is read. */
const SETTLE_AFTER_LOGINS_MS = 12_000;
/** When the memory left after close is read, in seconds after the clients closed. */
const AFTER_CLOSE_S = [3, 10, 30] as const;
const MAX_USERS = Math.max(...SIZES) / SESSIONS_PER_USER;
const DOVECOT = new ReferenceDovecot('idle', 16, { DOVECOT_USERS: String(MAX_USERS) });
/** Sessions connecting at once (the rest wait), so the benchmark measures idling, not a login storm. */
const CONNECT_PARALLEL = 100;

interface Target {
  name: 'Postyard' | 'Dovecot';
  imap: number;
  imaps: number;
  lmtp: number;
  login(user: number): { user: string; pass: string };
  /**
   * Proportional set size of the server (after a full GC where there is one and `gc` asks for it), and
   * V8 heap + external bytes in use.
   */
  memory(gc: boolean): Promise<Memory>;
}

interface Memory {
  pss: number;
  heap: number;
  /** Postyard: resident set size, the malloc_trim calls so far, the last trim's and full GC's ms. */
  rss?: number;
  trims?: number;
  lastTrimMs?: number;
  lastGcMs?: number;
  /** Postyard: V8's committed heap, and the resident part of glibc's main malloc arena ([heap]). */
  v8Committed?: number;
  mallocHeap?: number;
}

interface Row {
  server: string;
  tls: boolean;
  sessions: number;
  perSessionKb: number;
  /** Postyard: V8 heap used + external (Buffers) per session; what the JS side holds. */
  heapPerSessionKb: number;
  /** Before the sessions connected and 3, 10, 30 s after they closed, without a forced GC. */
  baseline: Memory;
  afterClose: Memory[];
  /** After the 30 s reading, a forced full GC: what V8 could give back but had not. */
  afterCloseGc: Memory;
  p50: number;
  p99: number;
  max: number;
  missed: number;
}

/** One idling session: logs in, selects INBOX, IDLEs, and notes when EXISTS grows. */
class IdleSession {
  private exists = -1;
  private onLine: ((line: string) => void) | null = null;
  existsAt = 0;

  private constructor(private readonly socket: Socket) {
    onLines(socket, (line) => this.onLine?.(line));
  }

  static async open(port: number, tls: boolean, login: { user: string; pass: string }): Promise<IdleSession> {
    const socket = tls
      ? tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false })
      : netConnect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) =>
      socket.once(tls ? 'secureConnect' : 'connect', () => resolve()).once('error', reject),
    );
    const s = new IdleSession(socket);
    await s.until((l) => l.startsWith('* OK'));
    socket.write(`a LOGIN ${login.user} ${login.pass}\r\n`);
    await s.until((l) => l.startsWith('a '), 'a OK');
    socket.write('b SELECT INBOX\r\n');
    await s.until((l) => {
      const m = /^\* (\d+) EXISTS/.exec(l);
      if (m) s.exists = Number(m[1]);
      return l.startsWith('b ');
    }, 'b OK');
    socket.write('c IDLE\r\n');
    await s.until((l) => l.startsWith('+'));
    s.onLine = (line) => {
      const m = /^\* (\d+) EXISTS/.exec(line);
      if (m && Number(m[1]) > s.exists && s.existsAt === 0) s.existsAt = performance.now();
    };
    return s;
  }

  private until(done: (line: string) => boolean, expect?: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.onLine = (line) => {
        if (!done(line)) return;
        this.onLine = null;
        if (expect && !line.startsWith(expect)) reject(new Error(`unexpected: ${line}`));
        else resolve();
      };
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;
}

async function runOne(target: Target, sessions: number, tls: boolean): Promise<Row> {
  const users = sessions / SESSIONS_PER_USER;
  const baseline = await target.memory(false);
  const baselineGc = await target.memory(true);
  const open: IdleSession[] = new Array(sessions);
  const owner: number[] = new Array(sessions);
  let next = 0;
  const opener = async () => {
    while (next < sessions) {
      const i = next++;
      const user = i % users;
      owner[i] = user;
      open[i] = await IdleSession.open(tls ? target.imaps : target.imap, tls, target.login(user));
    }
  };
  await Promise.all(Array.from({ length: CONNECT_PARALLEL }, opener));
  // Let both servers settle: Dovecot's login processes hand over; Postyard's memory reclaimer, which
  // runs after a storm of logins (2 s without one, a GC, 6 s, a GC, malloc_trim), finishes.
  await new Promise((r) => setTimeout(r, SETTLE_AFTER_LOGINS_MS));
  const loaded = await target.memory(true);
  if (loaded.v8Committed !== undefined && baselineGc.v8Committed !== undefined) {
    const per = (after = 0, before = 0) => `${((after - before) / sessions / 1024).toFixed(1)} KB`;
    console.log(
      `${sessions} ${tls ? 'TLS' : 'plain'} sessions idling, per session: PSS ${per(loaded.pss, baselineGc.pss)}, ` +
        `V8 committed ${per(loaded.v8Committed, baselineGc.v8Committed)}, JS heap ${per(loaded.heap, baselineGc.heap)}, ` +
        `main malloc arena ${per(loaded.mallocHeap, baselineGc.mallocHeap)}`,
    );
  }

  // One delivery per user; its final 250 starts the clock for that user's sessions.
  const deliveredAt: number[] = new Array(users).fill(0);
  const message = dotStuff(Buffer.from('From: bench@example.net\r\nSubject: idle bench\r\n\r\nwake up\r\n'));
  let nextUser = 0;
  const deliverer = async () => {
    const c = await TransferConnection.lmtp(target.lmtp);
    try {
      while (nextUser < users) {
        const u = nextUser++;
        await c.send(target.login(u).user, message);
        deliveredAt[u] = performance.now();
      }
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({ length: 10 }, deliverer));
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline && open.some((s) => s.existsAt === 0)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  const latencies: number[] = [];
  let missed = 0;
  open.forEach((s, i) => {
    if (s.existsAt === 0) missed++;
    else latencies.push(Math.max(0, s.existsAt - (deliveredAt[owner[i] as number] as number)));
  });
  latencies.sort((a, b) => a - b);
  for (const s of open) s.close();
  const afterClose: Memory[] = [];
  let waited = 0;
  for (const seconds of AFTER_CLOSE_S) {
    await new Promise((r) => setTimeout(r, (seconds - waited) * 1000));
    waited = seconds;
    afterClose.push(await target.memory(false));
  }
  const afterCloseGc = await target.memory(true);
  return {
    server: target.name,
    tls,
    sessions,
    perSessionKb: (loaded.pss - baselineGc.pss) / sessions / 1024,
    heapPerSessionKb: (loaded.heap - baselineGc.heap) / sessions / 1024,
    baseline,
    afterClose,
    afterCloseGc,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    missed,
  };
}

/** Child-process mode: the Postyard server, reporting its ports; answers memory requests after a GC. */
async function serve(): Promise<void> {
  const srv = await startTestServer(
    { limits: { maxConnectionsPerUser: 1000, maxConnectionsPerIp: 100_000 } },
    NO_RECLAIM ? { memoryReclaim: false } : GC_ONCE ? { memoryReclaim: { pauseBeforeSecondGcMs: null } } : {},
  );
  for (let u = 0; u < MAX_USERS; u++) await srv.addUser(`user${u + 1}@example.com`, 'pass');
  process.on('message', (m: { memory?: boolean; gc?: boolean; stop?: boolean }) => {
    if (m.stop) {
      void srv.close().then(() => process.exit(0));
      return;
    }
    if (m.gc) globalThis.gc?.();
    const usage = process.memoryUsage();
    const reclaim = srv.ctx.memoryReclaimer?.stats;
    const memory: Memory = {
      pss: pss(process.pid),
      rss: usage.rss,
      heap: usage.heapUsed + usage.external,
      v8Committed: usage.heapTotal,
      mallocHeap: mainArenaRss(process.pid),
      trims: reclaim?.trims ?? 0,
      lastTrimMs: reclaim?.lastTrimMs ?? -1,
      lastGcMs: reclaim?.lastGcMs ?? -1,
    };
    process.send?.(memory);
  });
  process.send?.({ ports: srv.ports });
}

async function startPostyard(): Promise<{ target: Target; stop(): Promise<void> }> {
  // --child-env "MALLOC_ARENA_MAX=2 ...": allocator settings for the server process, to compare them.
  const childEnv = Object.fromEntries(
    (CHILD_ENV ?? '')
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => pair.split('=', 2) as [string, string]),
  );
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
    execArgv: ['--expose-gc'],
    env: { ...process.env, ...childEnv },
  });
  const ports = await new Promise<Record<string, number>>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { ports: Record<string, number> }).ports));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  return {
    target: {
      name: 'Postyard',
      imap: ports.imap as number,
      imaps: ports.imaps as number,
      lmtp: ports.lmtp as number,
      login: (u) => ({ user: `user${u + 1}@example.com`, pass: 'pass' }),
      memory: (gc) =>
        new Promise((resolve) => {
          child.once('message', (m) => resolve(m as Memory));
          child.send({ memory: true, gc });
        }),
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ stop: true });
      await exited;
    },
  };
}

/**
 * Proportional set size of a process in bytes (/proc/PID/smaps_rollup): its private memory plus its share
 * of pages shared with others, so a thousand Dovecot processes do not count the same libraries a thousand
 * times (their summed RSS would).
 */
function pss(pid: number): number {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // gone meanwhile
  }
}

/** Resident bytes of glibc's main malloc arena (the [heap] mapping), where the main thread's native memory is. */
function mainArenaRss(pid: number): number {
  const smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8');
  const m = /\[heap\]\n(?:.*\n)*?Rss:\s+(\d+) kB/.exec(smaps);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Sum of the PSS of Dovecot's IMAP processes (imap and imap-login), in bytes. */
function dovecotImapPss(): number {
  let total = 0;
  for (const name of ['imap', 'imap-login']) {
    try {
      const out = execFileSync('ps', ['-C', name, '-o', 'pid='], { encoding: 'utf8' });
      for (const line of out.split('\n')) if (line.trim()) total += pss(Number(line.trim()));
    } catch {
      // no such process
    }
  }
  return total;
}

/**
 * Dovecot's IDLE waits on inotify, one instance per imap process, all running as vmail; past
 * fs.inotify.max_user_instances (128 by default) it falls back to polling every 30 s. Raised when we may
 * (root), else reported.
 */
function ensureInotifyInstances(needed: number): string {
  const path = '/proc/sys/fs/inotify/max_user_instances';
  const current = Number(readFileSync(path, 'utf8').trim());
  if (current >= needed) return `fs.inotify.max_user_instances is ${current}.`;
  try {
    writeFileSync(path, String(needed));
    return `fs.inotify.max_user_instances raised from ${current} to ${needed}.`;
  } catch {
    return `fs.inotify.max_user_instances is ${current} (could not raise it: Dovecot polls every 30 s past that).`;
  }
}

const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const signedMb = (bytes: number) => `${bytes >= 0 ? '+' : ''}${mb(bytes)}`;

/** Where the growth from before to `after` stayed: V8's committed heap and glibc's main arena. */
function kept(before: Memory, after: Memory): string {
  if (before.v8Committed === undefined || after.v8Committed === undefined) return '';
  const v8 = after.v8Committed - before.v8Committed;
  const malloc = (after.mallocHeap ?? 0) - (before.mallocHeap ?? 0);
  return `${signedMb(v8)} / ${signedMb(malloc)}`;
}

function table(rows: Row[]): string[] {
  const out = [
    '| Server | Transport | Sessions | PSS per session | JS heap per session | Resident before → 3 s / 10 s / 30 s after close | Growth at 3 s; 30 s: V8 / malloc | V8 committed (used + external) at 30 s → after a full GC | Reclaims: malloc_trim calls (last GC / trim) | EXISTS latency p50 / p99 / max | Missed |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of rows) {
    const postyard = r.server === 'Postyard';
    // Postyard: RSS (one process); Dovecot: PSS summed over its processes.
    const resident = (m: Memory) => m.rss ?? m.pss;
    const at30 = r.afterClose.at(-1) as Memory;
    const growth = postyard
      ? `${kept(r.baseline, r.afterClose[0] as Memory)}; ${kept(r.baseline, at30)}`
      : 'n/a';
    const v8 = (m: Memory) => `${mb(m.v8Committed ?? 0)} (${mb(m.heap)})`;
    const v8AfterGc = postyard ? `${v8(at30)} → ${v8(r.afterCloseGc)} MB` : 'n/a';
    const trims = postyard
      ? `${(at30.trims ?? 0) - (r.baseline.trims ?? 0)} (${(at30.lastGcMs ?? -1).toFixed(0)} / ${(at30.lastTrimMs ?? -1).toFixed(0)} ms)`
      : 'n/a';
    out.push(
      `| ${r.server} | ${r.tls ? 'TLS' : 'plain'} | ${r.sessions.toLocaleString('en')} | ${r.perSessionKb.toFixed(1)} KB | ` +
        `${postyard ? `${r.heapPerSessionKb.toFixed(1)} KB` : 'n/a'} | ` +
        `${mb(resident(r.baseline))} → ${r.afterClose.map((m) => mb(resident(m))).join(' / ')} MB | ${growth} | ${v8AfterGc} | ${trims} | ` +
        `${r.p50.toFixed(0)} / ${r.p99.toFixed(0)} / ${r.max.toFixed(0)} ms | ${r.missed} |`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const rows: Row[] = [];
  const started = new Date();
  const load = loadavg()[0]!.toFixed(1);
  const postyard = await startPostyard();
  try {
    // A first, unmeasured round: the process has served sessions before (JIT, allocator arenas, TLS
    // context), as a running server has, so the baseline is not a freshly started process.
    await runOne(postyard.target, Math.min(...SIZES), true);
    const start = await postyard.target.memory(false);
    console.log(
      `after the warm-up round: RSS ${mb(start.rss ?? 0)} MB, V8 committed ${mb(start.v8Committed ?? 0)} MB`,
    );
    for (const tls of TRANSPORTS) {
      for (const n of SIZES) {
        const row = await runOne(postyard.target, n, tls);
        rows.push(row);
        console.log(table([row]).at(-1));
      }
    }
  } finally {
    await postyard.stop();
  }
  let inotify = '';
  if (!POSTYARD_ONLY) {
    inotify = ensureInotifyInstances(Math.max(...SIZES) + 256);
    DOVECOT.reset();
    const dovecot: Target = {
      name: 'Dovecot',
      imap: DOVECOT.ports.imap,
      imaps: DOVECOT.ports.imap,
      lmtp: DOVECOT.ports.lmtp,
      login: (u) => ({ user: `user${u + 1}`, pass: 'pass' }),
      memory: async () => ({ pss: dovecotImapPss(), heap: 0 }),
    };
    try {
      for (const n of SIZES.filter((s) => s <= DOVECOT_MAX)) {
        const row = await runOne(dovecot, n, false);
        rows.push(row);
        console.log(table([row]).at(-1));
      }
    } finally {
      DOVECOT.stop();
    }
  }
  const lines = [
    '## Idle IMAP sessions',
    '',
    `\`node dist/bench/idle.js\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${load} at the start, shared 2-core machine).`,
    `N sessions logged in (${SESSIONS_PER_USER} per user), INBOX selected, in IDLE, opened ${CONNECT_PARALLEL} at a time; memory is`,
    "the server's proportional set size (PSS, /proc/PID/smaps_rollup) with them idling minus before, per session",
    '(Postyard: its one process after a full GC, after an unmeasured first round; Dovecot: the sum over its imap',
    'and imap-login processes, each session one process). Then one LMTP delivery per user; latency is from that',
    "delivery's final 250 to each of the user's sessions reading `* n EXISTS` (missed: not within 10 s). Dovecot's",
    `TLS is not measured (the reference setup listens in plaintext). ${inotify || 'Postyard only.'}`,
    "Resident after close: Postyard's RSS (no forced GC, as in production; its memory reclaimer " +
      `${NO_RECLAIM ? 'off' : 'on'}), Dovecot's PSS; the growth from before is split into V8's committed heap and`,
    "glibc's main malloc arena (MB).",
    '',
    ...table(rows),
    '',
  ];
  console.log(lines.join('\n'));
  if (WRITE && !SMALL && !POSTYARD_ONLY) replaceBenchmarkSection('## Idle IMAP sessions', lines);
}

await main();
