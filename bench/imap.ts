/**
 * IMAP benchmark (issue 4): Postyard vs Dovecot in the same run, same client, same messages.
 *   FETCH 1:* BODY.PEEK[] of 1,000 messages, FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS) of 10,000 messages,
 *   UID FETCH 1:* (FLAGS) and SELECT of a 100,000-message mailbox (warm: the index exists, the mailbox is
 *   not open elsewhere).
 * Everything is measured in ROUNDS rounds, the two servers alternating which goes first; each round
 * downloads its own, never-read 1,000 bodies. Reported: medians over the rounds (this machine's timings
 * drift by 2× within minutes, so one round proves little).
 * Run compiled: `node dist/bench/imap.js [--small] [--postyard-only] [--rounds N] [--envelopes-only] [--write]`. Starts Dovecot with
 * ../shared/reference/dovecot-ref.sh (DOVECOT_DIR, default /tmp/dovecot-imap) and stops it afterwards.
 * With --write, a full run (not --small, not --postyard-only) replaces the "IMAP" section of BENCHMARKS.md.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IngestedMessage, ingestMessage } from '../src/server/delivery/ingest.js';
import type { FileBlobStore } from '../src/store/blobs.js';
import type { Store } from '../src/store/store.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { ImapTimer, type TimedResult } from './lib/imap-timer.js';
import { coldCacheUnavailable, dropPageCache } from './lib/page-cache.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { generateSampleMessages } from './lib/sample-messages.js';

/** `--rounds N`: fewer (or more) rounds than the default, e.g. on a busy machine. */
const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Number(process.argv[roundsFlag + 1]) : undefined;
/**
 * `--envelopes-only`: only the ENVELOPE/BODYSTRUCTURE row, whose 10,000 messages load in a few minutes
 * even on a busy machine (the 100,000-message mailbox and the rounds' bodies are not loaded).
 */
const ENVELOPES_ONLY = process.argv.includes('--envelopes-only');
const SIZES = SMALL
  ? { bodies: 50, envelopes: 200, select: 1000, rounds: ROUNDS ?? 2 }
  : { bodies: 1000, envelopes: 10_000, select: 100_000, rounds: ROUNDS ?? 7 };
/** Repeated runs per round (their median is the round's "repeated" figure). */
const RUNS = 5;
/** The mailbox of round r's body downloads. */
const bodiesMailbox = (round: number) => `Bodies${round}`;
/** Round r's cold body download: other never-read bodies, read with the page cache just dropped. */
const coldMailbox = (round: number) => `Cold${round}`;
const DOVECOT = new ReferenceDovecot('imap', 15);
const loadAtStart = os.loadavg()[0] as number;

interface Row {
  name: string;
  postyardMs: number;
  dovecotMs: number;
  /** Median of the per-round ratios (Dovecot time / Postyard time). */
  ratio: number;
  ratioMin: number;
  ratioMax: number;
}

/** Every message made distinct (one blob each), so nothing is shared between messages or rounds. */
function distinct(messages: Buffer[], count: number, round: number | string): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    Buffer.concat([Buffer.from(`X-Bench-Id: ${round}-${i}\r\n`), messages[i % messages.length] as Buffer]),
  );
}

/** The standard sample (400 messages, seed 42), shared with the other benchmarks. */
function sampleMessages(): Buffer[] {
  return generateSampleMessages(400, 42);
}

/** A tiny message for the big SELECT mailbox (SELECT cost does not depend on size). */
function tinyMessage(i: number): Buffer {
  return Buffer.from(
    `From: a@example.com\r\nSubject: m${i}\r\nMessage-ID: <${i}@bench>\r\n\r\nbody ${i}\r\n`,
  );
}

async function loadPostyard(
  store: Store,
  accountId: number,
  mailbox: string,
  messages: Buffer[],
  count: number,
) {
  const box = await store.createMailbox(accountId, mailbox);
  const ingested: IngestedMessage[] = [];
  for (const m of messages.slice(0, Math.min(count, messages.length))) {
    ingested.push(await ingestMessage(store, m, { maxSize: 64 * 1024 * 1024 }));
  }
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const { blob, meta } = ingested[i % ingested.length] as IngestedMessage;
      await store.append({ accountId, mailboxId: box.id, blob, meta, flags: i % 3 === 0 ? ['\\Seen'] : [] });
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

/** Dovecot: Maildir++ files written directly (fast), owned by vmail; the index is built by a warm-up. */
function loadDovecot(user: string, mailbox: string, messages: Buffer[], count: number): void {
  const root = join(DOVECOT.dir, 'mail', user);
  const dir = join(root, `.${mailbox}`);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const data = messages[i % messages.length] as Buffer;
    writeFileSync(
      join(dir, 'cur', `${now}.M${i}P1.bench,S=${data.length}:2,${i % 3 === 0 ? 'S' : ''}`),
      data,
    );
  }
  execFileSync('chown', ['-R', 'vmail:vmail', root]);
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

interface Target {
  name: 'Postyard' | 'Dovecot';
  port: number;
  login: string;
  password: string;
  /** Reads the files behind `mailbox` into the page cache (see warmPageCache). */
  warmFiles(mailbox: string): Promise<void>;
}

/**
 * Before a body download is timed, the same connection downloads bodies of another mailbox a few
 * times: the server process has then served downloads before (Postyard's code JIT-compiled, as in a
 * server that has been running for a while; Dovecot is native code) and TCP has grown its windows, for
 * both servers alike. The timed messages themselves have not been read by either server process yet.
 */
const WARM_UP = {
  mailbox: 'Envelopes',
  command: `FETCH 1:${Math.min(1000, SIZES.envelopes)} BODY.PEEK[]`,
  times: 20,
};

/**
 * Reads every file under `dir`. This machine's page cache drops pages of files nobody touched for a
 * few seconds, even with memory free; without this a first read would partly measure the disk, more so
 * for whichever server loaded its messages earlier.
 */
function warmPageCache(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) readFileSync(join(entry.parentPath, entry.name));
  }
}

/** One round's body download: the first read of the round's mailbox, then the median of RUNS more. */
async function measureBodies(target: Target, mailbox: string): Promise<{ first: number; repeated: number }> {
  const c = await ImapTimer.open(target.port, target.login, target.password);
  try {
    await c.run(`SELECT ${WARM_UP.mailbox}`);
    for (let i = 0; i < WARM_UP.times; i++) expectOk(target, await c.run(WARM_UP.command));
    await target.warmFiles(mailbox);
    await c.run(`SELECT ${mailbox}`);
    // Prime: Dovecot builds its index and cache for the Maildir written behind its back; no bodies read.
    await c.run('FETCH 1:* (UID RFC822.SIZE FLAGS)');
    const first = expectOk(target, await c.run('FETCH 1:* BODY.PEEK[]'));
    expectBytes(target, 'bodies', first.bytes);
    const repeated: number[] = [];
    for (let i = 0; i < RUNS; i++) repeated.push(expectOk(target, await c.run('FETCH 1:* BODY.PEEK[]')).ms);
    return { first: first.ms, repeated: medianOf(repeated) };
  } finally {
    c.close();
  }
}

/**
 * Cold body download: as measureBodies (JIT warm, the mailbox primed), but the page cache is dropped
 * right before the one timed download of never-read bodies, so every blob or file comes from the disk.
 */
async function measureColdBodies(target: Target, mailbox: string): Promise<number> {
  const c = await ImapTimer.open(target.port, target.login, target.password);
  try {
    await c.run(`SELECT ${WARM_UP.mailbox}`);
    for (let i = 0; i < WARM_UP.times; i++) expectOk(target, await c.run(WARM_UP.command));
    await c.run(`SELECT ${mailbox}`);
    await c.run('FETCH 1:* (UID RFC822.SIZE FLAGS)');
    if (!dropPageCache()) return Number.NaN;
    const cold = expectOk(target, await c.run('FETCH 1:* BODY.PEEK[]'));
    expectBytes(target, 'cold bodies', cold.bytes);
    return cold.ms;
  } finally {
    c.close();
  }
}

/**
 * A fresh connection, the page cache dropped, then SELECT `mailbox` and `command`, each timed once: what a
 * client sees first thing after the server's files left memory. Whatever a server keeps in its own
 * process between sessions (Postyard's per-mailbox flag index) stays, as it would in production.
 */
async function measureColdCommand(
  target: Target,
  mailbox: string,
  command: string,
): Promise<{ select: number; command: number }> {
  const c = await ImapTimer.open(target.port, target.login, target.password);
  try {
    if (!dropPageCache()) return { select: Number.NaN, command: Number.NaN };
    const select = expectOk(target, await c.run(`SELECT ${mailbox}`)).ms;
    return { select, command: expectOk(target, await c.run(command)).ms };
  } finally {
    c.close();
  }
}

/** The median of RUNS runs of `command` in `mailbox` (after one untimed run). */
async function measureCommand(target: Target, mailbox: string, command: string): Promise<number> {
  const c = await ImapTimer.open(target.port, target.login, target.password);
  try {
    await c.run(`SELECT ${mailbox}`);
    await c.run(command);
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(expectOk(target, await c.run(command)).ms);
    return medianOf(runs);
  } finally {
    c.close();
  }
}

/** Re-SELECT of `mailbox` after UNSELECT: the median of RUNS runs (after one untimed SELECT). */
async function measureSelect(target: Target, mailbox: string): Promise<number> {
  const c = await ImapTimer.open(target.port, target.login, target.password);
  try {
    await c.run(`SELECT ${mailbox}`);
    await c.run('UNSELECT');
    const runs: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      runs.push(expectOk(target, await c.run(`SELECT ${mailbox}`)).ms);
      await c.run('UNSELECT');
    }
    return medianOf(runs);
  } finally {
    c.close();
  }
}

/** A timed command that failed would make a meaningless number: stop the benchmark instead. */
function expectOk(target: Target, result: TimedResult): TimedResult {
  if (!result.status.startsWith('OK')) throw new Error(`${target.name} answered: ${result.status}`);
  return result;
}

/** Both servers must send the same bodies (up to their different tagged lines); guards the comparison. */
const answerBytes = new Map<string, number>();
function expectBytes(target: Target, what: string, bytes: number): void {
  const seen = answerBytes.get(`${target.name} ${what}`);
  if (seen === undefined) answerBytes.set(`${target.name} ${what}`, bytes);
  const other = answerBytes.get(`${target.name === 'Postyard' ? 'Dovecot' : 'Postyard'} ${what}`);
  if (other !== undefined && Math.abs(other - bytes) > 100)
    throw new Error(`${what}: ${target.name} sent ${bytes} bytes, the other server ${other}`);
}

/**
 * Child-process mode: a Postyard test server loaded with the mailboxes; reports its port over IPC, names
 * a mailbox's blob files when asked (page cache warming) and runs until told to stop. A separate process,
 * like Dovecot's, so the client does not share its CPU.
 */
async function serve(): Promise<void> {
  const messages = sampleMessages();
  const tiny = Array.from({ length: 1000 }, (_, i) => tinyMessage(i));
  const srv = await startTestServer({ limits: { maxMessageSize: 64 * 1024 * 1024 } });
  const account = await srv.addUser('bench@example.com', 'pass');
  const t = Date.now();
  for (let round = 0; round < SIZES.rounds && !ENVELOPES_ONLY; round++) {
    const bodies = distinct(messages, SIZES.bodies, round);
    await loadPostyard(srv.ctx.store, account.id, bodiesMailbox(round), bodies, SIZES.bodies);
    const cold = distinct(messages, SIZES.bodies, `cold${round}`);
    await loadPostyard(srv.ctx.store, account.id, coldMailbox(round), cold, SIZES.bodies);
  }
  await loadPostyard(srv.ctx.store, account.id, 'Envelopes', messages, SIZES.envelopes);
  if (!ENVELOPES_ONLY) await loadPostyard(srv.ctx.store, account.id, 'Big', tiny, SIZES.select);
  console.log(`Postyard loaded in ${Date.now() - t} ms`);
  const store = srv.ctx.store;
  const blobs = store.blobs as FileBlobStore;
  process.on('message', (m: { paths?: string; stop?: boolean }) => {
    if (m.stop) {
      void srv.close().then(() => process.exit(0));
      return;
    }
    void (async () => {
      const box = (await store.getMailbox(account.id, m.paths as string))!;
      const index = await store.getIndex(box.id);
      const records = await store.getMessages(box.id, [...index.uids]);
      process.send?.({ paths: records.map((r) => blobs.pathOf(r.blobId)) });
    })();
  });
  process.send?.({ port: srv.ports.imap });
}

async function startPostyard(): Promise<{ target: Target; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  return {
    target: {
      name: 'Postyard',
      port,
      login: 'bench@example.com',
      password: 'pass',
      // The server process only names the files: reading them there would leave it 26 MB of garbage
      // Buffers to collect during the timed download.
      warmFiles: (mailbox) =>
        new Promise<void>((resolve) => {
          child.once('message', (m) => {
            for (const path of (m as { paths: string[] }).paths) readFileSync(path);
            resolve();
          });
          child.send({ paths: mailbox });
        }),
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ stop: true });
      await exited;
    },
  };
}

interface RoundResult {
  first: number;
  repeated: number;
  envelopes: number;
  flags: number;
  select: number;
  coldBodies: number;
  coldEnvelopes: number;
  coldSelect: number;
  coldFlags: number;
}

async function measureRound(target: Target, round: number): Promise<RoundResult> {
  if (ENVELOPES_ONLY) {
    const envelopes = await measureCommand(target, 'Envelopes', 'FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS)');
    return {
      first: Number.NaN,
      repeated: Number.NaN,
      envelopes,
      flags: Number.NaN,
      select: Number.NaN,
      coldBodies: Number.NaN,
      coldEnvelopes: Number.NaN,
      coldSelect: Number.NaN,
      coldFlags: Number.NaN,
    };
  }
  const bodies = await measureBodies(target, bodiesMailbox(round));
  const envelopes = await measureCommand(target, 'Envelopes', 'FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS)');
  const flags = await measureCommand(target, 'Big', 'UID FETCH 1:* (FLAGS)');
  const select = await measureSelect(target, 'Big');
  const coldBodies = await measureColdBodies(target, coldMailbox(round));
  const coldEnvelopes = (
    await measureColdCommand(target, 'Envelopes', 'FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS)')
  ).command;
  const big = await measureColdCommand(target, 'Big', 'UID FETCH 1:* (FLAGS)');
  return {
    ...bodies,
    envelopes,
    flags,
    select,
    coldBodies,
    coldEnvelopes,
    coldSelect: big.select,
    coldFlags: big.command,
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const postyard = await startPostyard();
  let dovecot: Target | null = null;
  try {
    if (!POSTYARD_ONLY) {
      DOVECOT.reset();
      const maildir = join(DOVECOT.dir, 'mail', 'user1');
      dovecot = {
        name: 'Dovecot',
        port: DOVECOT.ports.imap,
        login: 'user1',
        password: 'pass',
        warmFiles: async (mailbox) => warmPageCache(join(maildir, `.${mailbox}`)),
      };
      // Let Dovecot create user1's Maildir, then add the folders.
      (await ImapTimer.open(dovecot.port, dovecot.login, dovecot.password)).close();
      const messages = sampleMessages();
      const tiny = Array.from({ length: 1000 }, (_, i) => tinyMessage(i));
      const t = Date.now();
      for (let round = 0; round < SIZES.rounds && !ENVELOPES_ONLY; round++) {
        const bodies = distinct(messages, SIZES.bodies, round);
        loadDovecot(dovecot.login, bodiesMailbox(round), bodies, SIZES.bodies);
        loadDovecot(
          dovecot.login,
          coldMailbox(round),
          distinct(messages, SIZES.bodies, `cold${round}`),
          SIZES.bodies,
        );
      }
      loadDovecot(dovecot.login, 'Envelopes', messages, SIZES.envelopes);
      if (!ENVELOPES_ONLY) loadDovecot(dovecot.login, 'Big', tiny, SIZES.select);
      console.log(`Dovecot loaded in ${Date.now() - t} ms`);
    }
    const results: Record<'Postyard' | 'Dovecot', RoundResult[]> = { Postyard: [], Dovecot: [] };
    for (let round = 0; round < SIZES.rounds; round++) {
      // Alternate which server goes first, so drift on this shared machine does not favour one.
      const order = [postyard.target, dovecot].filter((t): t is Target => t !== null);
      if (round % 2 === 1) order.reverse();
      for (const target of order) {
        const r = await measureRound(target, round);
        results[target.name].push(r);
        console.log(
          `round ${round + 1} ${target.name}: bodies first ${r.first.toFixed(1)} ms, repeated ${r.repeated.toFixed(1)} ms; ` +
            `envelopes ${r.envelopes.toFixed(1)} ms; flags ${r.flags.toFixed(1)} ms; select ${r.select.toFixed(1)} ms; ` +
            `cold: bodies ${r.coldBodies.toFixed(1)}, envelopes ${r.coldEnvelopes.toFixed(1)}, select ${r.coldSelect.toFixed(1)}, flags ${r.coldFlags.toFixed(1)} ms`,
        );
      }
    }
    const rows = ROWS.filter(({ key }) => !ENVELOPES_ONLY || key === 'envelopes').map(({ name, key }) => {
      const p = results.Postyard.map((r) => r[key]);
      const d = results.Dovecot.map((r) => r[key]);
      const ratios = d.map((dv, i) => dv / (p[i] as number));
      const row: Row = {
        name,
        postyardMs: medianOf(p),
        dovecotMs: d.length ? medianOf(d) : Number.NaN,
        ratio: ratios.length ? medianOf(ratios) : Number.NaN,
        ratioMin: Math.min(...ratios),
        ratioMax: Math.max(...ratios),
      };
      console.log(
        `${name}: Postyard ${row.postyardMs.toFixed(1)} ms, Dovecot ${row.dovecotMs.toFixed(1)} ms, ` +
          `ratio ${row.ratio.toFixed(2)}x (rounds ${row.ratioMin.toFixed(2)}–${row.ratioMax.toFixed(2)}x)`,
      );
      return row;
    });
    if (WRITE && !SMALL && !ENVELOPES_ONLY && dovecot) writeSection(rows);
  } finally {
    await postyard.stop();
    if (dovecot) DOVECOT.stop();
  }
}

const ROWS: { name: string; key: keyof RoundResult }[] = [
  { name: `FETCH 1:* BODY.PEEK[] (${SIZES.bodies} msgs), first read`, key: 'first' },
  { name: `FETCH 1:* BODY.PEEK[] (${SIZES.bodies} msgs), repeated`, key: 'repeated' },
  { name: `FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS) (${SIZES.envelopes} msgs)`, key: 'envelopes' },
  { name: `UID FETCH 1:* (FLAGS) (${SIZES.select} msgs)`, key: 'flags' },
  { name: `SELECT (${SIZES.select} msgs, warm)`, key: 'select' },
  { name: `Cold: FETCH 1:* BODY.PEEK[] (${SIZES.bodies} msgs)`, key: 'coldBodies' },
  { name: `Cold: FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS) (${SIZES.envelopes} msgs)`, key: 'coldEnvelopes' },
  { name: `Cold: SELECT (${SIZES.select} msgs)`, key: 'coldSelect' },
  { name: `Cold: UID FETCH 1:* (FLAGS) (${SIZES.select} msgs), after the cold SELECT`, key: 'coldFlags' },
];

/** Replaces the "## IMAP" section of BENCHMARKS.md (other sections are left alone). */
function writeSection(rows: Row[]): void {
  const lines = [
    '## IMAP',
    '',
    `\`node dist/bench/imap.js\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: both servers on this machine`,
    '(2 cores, shared), one raw client (bench/lib/imap-timer.ts) in its own process, Postyard (SQLite) in its own',
    'process, Dovecot 2.3 (Debian, Maildir). Messages from `gen-sample-mbox.py` (400, seed 42).',
    `${SIZES.rounds} rounds, the servers alternating which goes first; each round downloads its own 1,000 distinct,`,
    `never-read bodies (26.3 MB). Per round and server, on one connection: ${WARM_UP.times} warm-up downloads of another mailbox`,
    "(JIT and TCP windows warm, as in a server that has been running), the round's files read into the page cache",
    'from outside the servers (this machine drops idle file pages within seconds), SELECT, `FETCH 1:* (UID',
    'RFC822.SIZE FLAGS)` (Dovecot builds its index), then the timed downloads: "first read", and "repeated" = the',
    `median of ${RUNS} more. Postyard does not cache whole-message downloads in-process, so repeated downloads read`,
    'the blobs again, like Dovecot reads its files. ENVELOPE/BODYSTRUCTURE, FLAGS and SELECT (re-SELECT after UNSELECT):',
    `median of ${RUNS} runs after one untimed run. Table: medians over the rounds; ratio = Dovecot time / Postyard`,
    'time (above 1: Postyard faster), the median of the per-round ratios, with their range.',
    'Cold rows: the page cache is dropped (sync; echo 3 > /proc/sys/vm/drop_caches) right before the one timed',
    "command of each round and server, so message files, blobs, the SQLite database and Dovecot's index come from",
    "the disk; each server process keeps what it holds in memory between sessions (Postyard's per-mailbox flag index).",
    ...(coldCacheUnavailable() ? [`Cold rows not measured: ${coldCacheUnavailable()} (needs root).`] : []),
    `Load average (1 min) at the start and end of the run: ${loadAtStart.toFixed(2)} and ${os.loadavg()[0]?.toFixed(2)} on 2 cores`,
    '(other engineers share this machine: timings are noisier than the ranges of a quiet machine).',
    '',
    '| Benchmark | Postyard | Dovecot | Ratio | Ratio range (rounds) |',
    '|---|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.postyardMs.toFixed(1)} ms | ${r.dovecotMs.toFixed(1)} ms | ${r.ratio.toFixed(2)}× | ${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}× |`,
    ),
    '',
  ];
  replaceBenchmarkSection('## IMAP', lines);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
