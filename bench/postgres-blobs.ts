/**
 * Message bodies in PostgreSQL against bodies in files (issue 11, config store.blobs), one PostgreSQL
 * node each (its own process and database, fsync and synchronous commit on), with Dovecot beside them,
 * through real sockets:
 * - LMTP deliveries/s: 20 connections deliver the standard sample to users 2..20;
 * - IMAP body download: FETCH 1:300 BODY.PEEK[] of user1's 300 sample messages (MB/s);
 * - a 20 MB message: FETCH BODY.PEEK[] whole (MB/s), and 20 BODY.PEEK[]<offset.64K> at spread offsets
 *   (ms each).
 * Rounds rotate which target goes first; reported: medians and ranges over the rounds.
 * Run compiled: `node dist/bench/postgres-blobs.js [--small] [--postyard-only] [--rounds N] [--write]`;
 * with --write (full run with Dovecot) replaces the "PostgreSQL blobs" section of BENCHMARKS.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PostgresBlobStorage } from '../src/store/postgres/index.js';
import { startPostgres } from '../test/helpers/postgres.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { type ForkedServer, startForkedServer } from './lib/forked-server.js';
import { ImapTimer } from './lib/imap-timer.js';
import { timeLmtpDeliveries } from './lib/lmtp-timer.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { generateSampleMessages } from './lib/sample-messages.js';

const USERS = 20;
const PASSWORD = 'pass';
const roundsFlag = process.argv.indexOf('--rounds');
const ROUNDS = roundsFlag >= 0 ? Number(process.argv[roundsFlag + 1]) : SMALL ? 1 : 3;
const DELIVERIES = SMALL ? 100 : 600;
const READ_MESSAGES = SMALL ? 50 : 300;
const BIG_BYTES = (SMALL ? 4 : 20) * 1024 * 1024;
const PARTIALS = 20;
const DOVECOT = new ReferenceDovecot('pgblobs', 41, { DOVECOT_USERS: String(USERS) });
const loadAtStart = os.loadavg()[0] as number;

interface Ports {
  imap: number;
  lmtp: number;
}

interface Target {
  name: string;
  ports: Ports;
  login(user: number): string;
}

interface RoundResult {
  deliveries: number;
  downloadMBps: number;
  bigMBps: number;
  partialMs: number;
}

/** Child-process mode: one Postyard node on PostgreSQL with the given blob storage. */
async function serve(): Promise<void> {
  const [, , , dataDir, url, blobs] = process.argv;
  const off = { enabled: false };
  const srv = await startTestServer(
    {
      listeners: { imaps: off, pop3: off, pop3s: off, smtp: off, submission: off },
      store: { backend: 'postgres', postgresUrl: url!, blobs: blobs as PostgresBlobStorage },
      limits: { maxMessageSize: 64 * 1024 * 1024 },
    },
    { dataDir: dataDir! },
  );
  for (let i = 1; i <= USERS; i++) await srv.addUser(`user${i}@example.org`, PASSWORD);
  process.send?.({ imap: srv.ports.imap, lmtp: srv.ports.lmtp });
  process.once('message', () => void srv.close().then(() => process.exit(0)));
}

/** A `size`-byte message of 80-byte lines, like a base64 attachment. */
function bigMessage(size: number): Buffer {
  const head = 'Subject: twenty megabytes\r\nContent-Type: application/octet-stream\r\n\r\n';
  const line = `${'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0'.slice(0, 78)}\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil((size - head.length) / line.length)));
}

/** user1 gets the messages to read and the big one (untimed), before any round. */
async function preload(target: Target, messages: Buffer[], big: Buffer): Promise<void> {
  const reads = messages.slice(0, READ_MESSAGES);
  await timeLmtpDeliveries(target.ports.lmtp, () => target.login(1), reads, {
    connections: 4,
    count: reads.length,
  });
  await timeLmtpDeliveries(target.ports.lmtp, () => target.login(1), [big], { connections: 1, count: 1 });
}

async function measure(target: Target, messages: Buffer[], round: number): Promise<RoundResult> {
  const started = performance.now();
  await timeLmtpDeliveries(
    target.ports.lmtp,
    (i) => target.login(2 + ((i + round) % (USERS - 1))),
    messages,
    { connections: USERS, count: DELIVERIES },
  );
  const deliveries = DELIVERIES / ((performance.now() - started) / 1000);

  const c = await ImapTimer.open(target.ports.imap, target.login(1), PASSWORD);
  try {
    const ok = (r: { status: string; ms: number; bytes: number }, what: string) => {
      if (!r.status.startsWith('OK')) throw new Error(`${target.name}: ${what} answered ${r.status}`);
      return r;
    };
    ok(await c.run('SELECT INBOX'), 'SELECT');
    const download = ok(await c.run(`FETCH 1:${READ_MESSAGES} BODY.PEEK[]`), 'FETCH bodies');
    const bigSeq = READ_MESSAGES + 1;
    const whole = ok(await c.run(`FETCH ${bigSeq} BODY.PEEK[]`), 'FETCH big');
    let partialMs = 0;
    for (let i = 0; i < PARTIALS; i++) {
      const offset = Math.floor(((i + 0.5) / PARTIALS) * (BIG_BYTES - 65536));
      partialMs += ok(await c.run(`FETCH ${bigSeq} BODY.PEEK[]<${offset}.65536>`), 'FETCH partial').ms;
    }
    return {
      deliveries,
      downloadMBps: download.bytes / 1024 / 1024 / (download.ms / 1000),
      bigMBps: whole.bytes / 1024 / 1024 / (whole.ms / 1000),
      partialMs: partialMs / PARTIALS,
    };
  } finally {
    c.close();
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[], digits: number) =>
  `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const messages = generateSampleMessages(400, 42);
  const big = bigMessage(BIG_BYTES);
  // Dovecot first: its fixed ports (DOVECOT_PORT_BASE) may lie in the ephemeral range the cluster and
  // the nodes take ports from.
  if (!POSTYARD_ONLY) DOVECOT.reset();
  const cluster = await startPostgres({ durable: true });
  const dirs: string[] = [];
  const stops: Array<() => Promise<void>> = POSTYARD_ONLY ? [] : [async () => DOVECOT.stop()];
  const targets: Target[] = [];
  try {
    for (const blobs of ['files', 'postgres'] as const) {
      const dir = await mkdtemp(join(os.tmpdir(), `postyard-bench-${blobs}-`));
      dirs.push(dir);
      const url = await cluster.createDatabase();
      const node: ForkedServer<Ports> = await startForkedServer(fileURLToPath(import.meta.url), [
        '--serve',
        dir,
        url,
        blobs,
      ]);
      stops.push(node.stop);
      const name = blobs === 'files' ? 'PostgreSQL, file blobs' : 'PostgreSQL, database blobs';
      targets.push({ name, ports: node.ports, login: (user) => `user${user}@example.org` });
    }
    if (!POSTYARD_ONLY) {
      targets.push({ name: 'Dovecot', ports: DOVECOT.ports, login: (user) => `user${user}` });
    }
    for (const target of targets) await preload(target, messages, big);
    const results = new Map<string, RoundResult[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < targets.length; i++) {
        const target = targets[(i + round) % targets.length]!;
        const r = await measure(target, messages, round);
        results.get(target.name)!.push(r);
        console.log(
          `round ${round + 1} ${target.name}: ${r.deliveries.toFixed(0)} deliveries/s, bodies ${r.downloadMBps.toFixed(1)} MB/s, ` +
            `20 MB whole ${r.bigMBps.toFixed(1)} MB/s, partial 64 KB ${r.partialMs.toFixed(1)} ms`,
        );
      }
    }
    const dovecot = results.get('Dovecot');
    const cell = (t: string, key: keyof RoundResult, digits: number) => {
      const values = results.get(t)!.map((r) => r[key]);
      const reference = dovecot?.map((r) => r[key]);
      const ratio = reference ? ` (${(median(values) / median(reference)).toFixed(2)}×)` : '';
      return `${median(values).toFixed(digits)} (${range(values, digits)})${ratio}`;
    };
    const lines = [
      '## PostgreSQL blobs',
      '',
      `${new Date().toISOString().slice(0, 10)}, \`node dist/bench/postgres-blobs.js\`: ${ROUNDS} rounds (targets rotating),` +
        ` ${DELIVERIES} LMTP deliveries of the standard sample over ${USERS} connections; then one IMAP session` +
        ` FETCHes 1:${READ_MESSAGES} BODY.PEEK[], a ${BIG_BYTES / 1024 / 1024} MB message whole, and ${PARTIALS}` +
        ' 64 KB partials of it; one PostgreSQL node per blob storage (own process, own database), PostgreSQL' +
        ` with fsync and synchronous commit on; load average at start ${loadAtStart.toFixed(1)} (2 cores).` +
        ' Medians (range) (ratio to Dovecot).',
      '',
      '| target | deliveries/s | bodies MB/s | 20 MB whole MB/s | 64 KB partial ms |',
      '| --- | --- | --- | --- | --- |',
      ...targets.map(
        (t) =>
          `| ${t.name} | ${cell(t.name, 'deliveries', 0)} | ${cell(t.name, 'downloadMBps', 1)} | ` +
          `${cell(t.name, 'bigMBps', 1)} | ${cell(t.name, 'partialMs', 2)} |`,
      ),
      '',
    ];
    console.log(lines.join('\n'));
    if (WRITE && !SMALL && !POSTYARD_ONLY) replaceBenchmarkSection('## PostgreSQL blobs', lines);
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await cluster.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

await main();
