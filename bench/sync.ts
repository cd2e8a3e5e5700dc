/**
 * Device-side sync benchmark (issue 8), every client against the same Postyard server in the same run:
 *   IMAP: initial sync of 10,000 messages into an empty Maildir, then a no-change resync —
 *         `postyard sync` vs mbsync (Debian isync);
 *   POP3: download of 1,000 messages (keep on server) — `postyard sync` vs getmail6 vs fetchmail.
 * Each round gives every client a fresh state and Maildir; the clients take turns going first.
 * Times are process start to exit (what a person waits for); for `postyard sync` the run's own time
 * (its summary line, without Node's start-up) is reported too. Reported: medians and ranges.
 * Run compiled: `node dist/bench/sync.js [--small] [--rounds N] [--write]`. With --write (not --small),
 * replaces the "Sync (device side)" section of BENCHMARKS.md.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IngestedMessage, ingestMessage } from '../src/server/delivery/ingest.js';
import type { Store } from '../src/store/store.js';
import { runImap } from '../src/sync/imap/sync.js';
import { STATE_FILE } from '../src/sync/state/location.js';
import { SyncState } from '../src/sync/state/state.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { type ForkedServer, startForkedServer } from './lib/forked-server.js';
import { SMALL, WRITE } from './lib/reference.js';
import { generateSampleMessages } from './lib/sample-messages.js';
import {
  countMessages,
  Fetchmail,
  Getmail,
  type Login,
  Mbsync,
  PostyardSync,
  type Timed,
  workDir,
} from './lib/sync-clients.js';

const IMAP_MESSAGES = SMALL ? 500 : 10_000;
const POP3_MESSAGES = SMALL ? 100 : 1_000;
const ROUNDS_ARG = process.argv.indexOf('--rounds');
const ROUNDS = ROUNDS_ARG > 0 ? Number(process.argv[ROUNDS_ARG + 1]) : SMALL ? 2 : 5;
const IMAP_USER = 'imap-bench@example.com';
const POP3_USER = 'pop3-bench@example.com';
const PASSWORD = 'pass';

/** Child-process mode: the server in its own process (its own core), loaded, reporting its ports. */
async function serve(): Promise<void> {
  const srv = await startTestServer({
    limits: { maxMessageSize: 64 * 1024 * 1024 },
    pop3: { markSeenOnRetr: false, concurrentSessions: 'snapshot' },
  });
  const sample: IngestedMessage[] = [];
  for (const m of generateSampleMessages(400, 42)) {
    sample.push(await ingestMessage(srv.ctx.store, m, { maxSize: 64 * 1024 * 1024 }));
  }
  const t = performance.now();
  await load(srv.ctx.store, (await srv.addUser(IMAP_USER, PASSWORD)).id, sample, IMAP_MESSAGES);
  await load(srv.ctx.store, (await srv.addUser(POP3_USER, PASSWORD)).id, sample, POP3_MESSAGES);
  console.log(`loaded ${IMAP_MESSAGES} + ${POP3_MESSAGES} messages in ${fmt(performance.now() - t)}`);
  process.send?.(srv.ports);
  process.once('message', () => {
    void srv.close().then(() => process.exit(0));
  });
}

function startServer(): Promise<ForkedServer<Record<string, number>>> {
  return startForkedServer(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)]);
}

/** `count` messages into INBOX from the ingested sample (as bench/imap.ts loads), a third \Seen. */
async function load(
  store: Store,
  accountId: number,
  sample: IngestedMessage[],
  count: number,
): Promise<void> {
  const inbox = (await store.getMailbox(accountId, 'INBOX'))!;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { blob, meta } = sample[i % sample.length]!;
      await store.append({
        accountId,
        mailboxId: inbox.id,
        blob,
        meta,
        flags: i % 3 === 0 ? ['\\Seen'] : [],
      });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

type Series = Record<string, number[]>;

/** Failed runs per client (retried), reported with the results. */
const failures = new Map<string, number>();

function push(series: Series, key: string, value: number): void {
  series[key] = [...(series[key] ?? []), value];
  if (process.argv.includes('--verbose')) console.log(`  ${key}: ${fmt(value)}`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const range = (values: readonly number[]) => `${fmt(Math.min(...values))} – ${fmt(Math.max(...values))}`;

async function expectCount(label: string, maildir: string, expected: number): Promise<void> {
  const n = await countMessages(maildir);
  if (n !== expected) throw new Error(`${label}: ${n} messages in the Maildir, expected ${expected}`);
}

async function imapRound(login: Login, round: number, series: Series): Promise<void> {
  const clients = [
    async () => {
      const work = await workDir('postyard-imap');
      try {
        const client = new PostyardSync(work.dir, 'imap', login);
        await client.add();
        const initial = await client.run();
        await expectCount('postyard sync', client.maildir, IMAP_MESSAGES);
        const resync = await client.run();
        const again = await client.run();
        push(series, 'postyard initial', initial.ms);
        push(series, 'postyard initial (in-process)', initial.inProcessMs);
        push(series, 'postyard resync', resync.ms);
        push(series, 'postyard resync (in-process)', resync.inProcessMs);
        push(series, 'postyard resync again', again.ms);
        push(series, 'postyard resync again (in-process)', again.inProcessMs);
        push(series, 'postyard resync (warm)', await warmResync(client));
      } finally {
        await work.cleanup();
      }
    },
    async () => {
      const work = await workDir('mbsync');
      try {
        const client = new Mbsync(work.dir, login);
        await client.setup();
        const initial: Timed = await client.run();
        await expectCount('mbsync', client.maildir, IMAP_MESSAGES);
        const resync = await client.run();
        const again = await client.run();
        push(series, 'mbsync initial', initial.ms);
        push(series, 'mbsync resync', resync.ms);
        push(series, 'mbsync resync again', again.ms);
      } finally {
        await work.cleanup();
      }
    },
  ];
  if (round % 2) clients.reverse();
  for (const client of clients) await client();
}

/**
 * A no-change resync in a process that has synced before (what `sync watch` does between changes):
 * the median of five, on the state the CLI runs left.
 */
async function warmResync(client: PostyardSync): Promise<number> {
  const state = SyncState.open(join(client.state, STATE_FILE));
  try {
    const account = state.getAccount('bench')!.config;
    const times: number[] = [];
    for (let i = 0; i < 6; i++) {
      const started = performance.now();
      await runImap({ account, password: PASSWORD, state });
      if (i > 0) times.push(performance.now() - started); // the first one warms this process up
    }
    return median(times);
  } finally {
    state.close();
  }
}

async function pop3Round(login: Login, round: number, series: Series): Promise<void> {
  const run = async (name: string, make: (dir: string) => Getmail | Fetchmail) => {
    // A failed run (getmail6's missed child exit, see sync-clients.ts) is counted and tried afresh.
    for (let attempt = 1; ; attempt++) {
      const work = await workDir(name);
      try {
        const client = make(work.dir);
        await client.setup();
        const result = await client.run();
        await expectCount(name, client.maildir, POP3_MESSAGES);
        push(series, name, result.ms);
        return;
      } catch (err) {
        failures.set(name, (failures.get(name) ?? 0) + 1);
        console.log(`  ${name} failed (${(err as Error).message.split('\n')[0]})`);
        if (attempt === 3) return; // this round has no time for it; the failures are reported
      } finally {
        await work.cleanup();
      }
    }
  };
  const clients = [
    async () => {
      const work = await workDir('postyard-pop3');
      try {
        const client = new PostyardSync(work.dir, 'pop3', login);
        await client.add();
        const result = await client.run();
        await expectCount('postyard sync', client.maildir, POP3_MESSAGES);
        push(series, 'postyard pop3', result.ms);
        push(series, 'postyard pop3 (in-process)', result.inProcessMs);
      } finally {
        await work.cleanup();
      }
    },
    () => run('getmail6', (dir) => new Getmail(dir, login)),
    () => run('fetchmail', (dir) => new Fetchmail(dir, login)),
  ];
  for (let i = 0; i < round % clients.length; i++) clients.push(clients.shift()!);
  for (const client of clients) await client();
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const server = await startServer();
  try {
    let t = performance.now();
    const series: Series = {};
    const imap = { user: IMAP_USER, password: PASSWORD, port: server.ports.imap! };
    const pop3 = { user: POP3_USER, password: PASSWORD, port: server.ports.pop3! };
    for (let round = 0; round < ROUNDS; round++) {
      t = performance.now();
      await imapRound(imap, round, series);
      await pop3Round(pop3, round, series);
      console.log(`round ${round + 1}/${ROUNDS} in ${fmt(performance.now() - t)}`);
    }
    for (const [key, values] of Object.entries(series)) {
      console.log(`${key.padEnd(32)} median ${fmt(median(values)).padStart(10)}  range ${range(values)}`);
    }
    const ratio = (a: string, b: string) => median(series[b]!.map((v, i) => v / series[a]![i]!));
    console.log(`initial: mbsync / postyard = ${ratio('postyard initial', 'mbsync initial').toFixed(2)}x`);
    if (failures.size) console.log(`failed runs: ${[...failures].map(([n, c]) => `${n} ${c}`).join(', ')}`);
    if (WRITE && !SMALL) writeSection(series);
  } finally {
    await server.stop();
  }
}

function writeSection(s: Series): void {
  const ratioCell = (a: string, b: string) => {
    // Medians' ratio when a client failed some rounds (its series is shorter than the other's).
    const r = s[b]?.length === s[a]!.length ? s[b]!.map((v, i) => v / s[a]![i]!) : null;
    if (!s[b]?.length) return 'no successful run';
    if (!r) return `${(median(s[b]!) / median(s[a]!)).toFixed(2)}× (medians)`;
    return `${median(r).toFixed(2)}× (${Math.min(...r).toFixed(2)}–${Math.max(...r).toFixed(2)})`;
  };
  const row = (label: string, key: string) =>
    s[key]?.length
      ? `| ${label} | ${fmt(median(s[key]!))} | ${range(s[key]!)} |`
      : `| ${label} | no successful run | |`;
  const lines = [
    '## Sync (device side)',
    '',
    `\`node dist/bench/sync.js\` on ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} rounds, every client against the same`,
    'Postyard server (own process, SQLite) in the same run, the clients taking turns going first. Messages from',
    '`gen-sample-mbox.py` (seed 42: 400 distinct messages, ~25 KB average, repeated to the count; a third \\\\Seen),',
    'appended to the store directly. Every run starts from a fresh state and Maildir; times are process start to exit; for',
    '`postyard sync` its own run time (the summary line, without Node start-up) is shown too. Both IMAP clients',
    'fsync every message (mbsync `FSync yes`, its default); fetchmail delivers through a small Maildir MDA.',
    '',
    `### IMAP: ${IMAP_MESSAGES.toLocaleString('en')} messages in INBOX`,
    '',
    '| Client | Median | Range |',
    '|---|---:|---:|',
    row('postyard sync, initial', 'postyard initial'),
    row('postyard sync, initial (in-process)', 'postyard initial (in-process)'),
    row('mbsync, initial', 'mbsync initial'),
    row('postyard sync, no-change resync', 'postyard resync'),
    row('postyard sync, no-change resync (in-process)', 'postyard resync (in-process)'),
    row('mbsync, no-change resync', 'mbsync resync'),
    row('postyard sync, second no-change resync', 'postyard resync again'),
    row('postyard sync, second no-change resync (in-process)', 'postyard resync again (in-process)'),
    row('mbsync, second no-change resync', 'mbsync resync again'),
    row('postyard sync, no-change resync in a warm process (as `sync watch`)', 'postyard resync (warm)'),
    '',
    `Initial sync, mbsync time / postyard sync time per round: **${ratioCell('postyard initial', 'mbsync initial')}** (target ≥ 2×).`,
    `No-change resync, in-process (target ≤ 50 ms): **${fmt(median(s['postyard resync (in-process)']!))}** right after ` +
      `the initial sync (the Maildir is read and compared: its directories changed within the last second), ` +
      `**${fmt(median(s['postyard resync again (in-process)']!))}** for the next one (their recorded mtimes hold). ` +
      `With Node's start-up: ${fmt(median(s['postyard resync']!))} / ${fmt(median(s['postyard resync again']!))}; ` +
      `mbsync ${fmt(median(s['mbsync resync']!))} / ${fmt(median(s['mbsync resync again']!))}. ` +
      `In a process that has synced before (\`sync watch\`): **${fmt(median(s['postyard resync (warm)']!))}**.`,
    '',
    `### POP3: ${POP3_MESSAGES.toLocaleString('en')} messages, kept on the server`,
    '',
    '| Client | Median | Range |',
    '|---|---:|---:|',
    row('postyard sync', 'postyard pop3'),
    row('postyard sync (in-process)', 'postyard pop3 (in-process)'),
    row('getmail6', 'getmail6'),
    row('fetchmail', 'fetchmail'),
    '',
    `getmail6 / postyard sync: ${ratioCell('postyard pop3', 'getmail6')}; fetchmail / postyard sync: ${ratioCell('postyard pop3', 'fetchmail')}.`,
    failures.size === 0
      ? 'No client run failed.'
      : `Failed runs, retried from scratch and not timed: ${[...failures].map(([n, c]) => `${n} ${c}`).join(', ')}.`,
    '',
  ];
  replaceBenchmarkSection('## Sync (device side)', lines);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
