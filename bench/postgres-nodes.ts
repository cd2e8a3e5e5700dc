/**
 * Postyard on PostgreSQL with one and two nodes, against one node on SQLite and Dovecot (issue 11), all
 * through real sockets, every server in its own process, PostgreSQL with fsync and synchronous commit on:
 * - LMTP deliveries/s: 20 connections (spread over the nodes) deliver the standard sample to 20 users;
 * - IMAP commands/s: 20 sessions (one per user, spread over the nodes) each run ITERATIONS times
 *   SELECT INBOX, FETCH of the newest 10 (FLAGS ENVELOPE), STORE +FLAGS (\Flagged) on one message
 *   and APPEND of a 1 KB message; a command counts once its tagged OK arrived (APPEND: once durable).
 * Rounds rotate which target goes first; reported: medians and ranges over the rounds.
 * Run compiled: `node dist/bench/postgres-nodes.js [--small] [--postyard-only] [--rounds N] [--write]`;
 * with --write (full run with Dovecot) replaces the "PostgreSQL nodes" section of BENCHMARKS.md.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
const DELIVERIES = SMALL ? 200 : 1000;
const ITERATIONS = SMALL ? 5 : 25;
const COMMANDS_PER_ITERATION = 4;
const DOVECOT = new ReferenceDovecot('pgnodes', 33, { DOVECOT_USERS: String(USERS) });
const loadAtStart = os.loadavg()[0] as number;

interface Target {
  name: string;
  /** One IMAP and LMTP port per node; sessions and connections are spread over them. */
  nodes: { imap: number; lmtp: number }[];
  login(user: number): string;
}

/** Child-process mode: one Postyard node; `--create-users` on the first node of a store only. */
async function serve(): Promise<void> {
  const [, , , dataDir, maybeUrl] = process.argv;
  const url = maybeUrl?.startsWith('postgres://') ? maybeUrl : undefined;
  const off = { enabled: false };
  const srv = await startTestServer(
    {
      listeners: { imaps: off, pop3: off, pop3s: off, smtp: off, submission: off },
      ...(url ? { store: { backend: 'postgres' as const, postgresUrl: url } } : {}),
    },
    { dataDir: dataDir! },
  );
  if (process.argv.includes('--create-users')) {
    for (let i = 1; i <= USERS; i++) await srv.addUser(`user${i}@example.org`, PASSWORD);
  }
  process.send?.({ imap: srv.ports.imap, lmtp: srv.ports.lmtp });
  process.once('message', () => void srv.close().then(() => process.exit(0)));
}

function startNode(
  dataDir: string,
  url: string | undefined,
  createUsers: boolean,
): Promise<ForkedServer<{ imap: number; lmtp: number }>> {
  const args = ['--serve', dataDir, ...(url ? [url] : []), ...(createUsers ? ['--create-users'] : [])];
  return startForkedServer(fileURLToPath(import.meta.url), args);
}

/** Deliveries spread over the nodes (each node its share of connections); returns deliveries/s. */
async function measureDeliveries(target: Target, messages: Buffer[], round: number): Promise<number> {
  const perNode = DELIVERIES / target.nodes.length;
  const start = performance.now();
  await Promise.all(
    target.nodes.map((node, n) =>
      timeLmtpDeliveries(
        node.lmtp,
        (i) => target.login(((i * target.nodes.length + n + round) % USERS) + 1),
        messages,
        { connections: USERS / target.nodes.length, count: perNode },
      ),
    ),
  );
  return DELIVERIES / ((performance.now() - start) / 1000);
}

function smallMessage(user: number, i: number): Buffer {
  const body = `line ${i} of a short note\r\n`.repeat(30);
  return Buffer.from(
    `From: bench@example.org\r\nTo: user${user}@example.org\r\nSubject: note ${i}\r\n` +
      `Message-ID: <${user}.${i}.${Date.now()}@bench>\r\n\r\n${body}`,
  );
}

/** The IMAP mix, one session per user, sessions spread over the nodes; returns commands/s. */
async function measureImap(target: Target): Promise<number> {
  const sessions = await Promise.all(
    Array.from({ length: USERS }, (_, u) =>
      ImapTimer.open(target.nodes[u % target.nodes.length]!.imap, target.login(u + 1), PASSWORD),
    ),
  );
  const expectOk = (status: string, command: string) => {
    if (!status.startsWith('OK')) throw new Error(`${target.name}: ${command} answered ${status}`);
  };
  const start = performance.now();
  await Promise.all(
    sessions.map(async (c, u) => {
      for (let i = 0; i < ITERATIONS; i++) {
        const selected = await c.query('SELECT INBOX');
        const exists = Number(/\* (\d+) EXISTS/.exec(selected)?.[1] ?? 0);
        if (exists === 0) throw new Error(`${target.name}: empty INBOX (${selected.slice(-200)})`);
        const fetch = `FETCH ${Math.max(1, exists - 9)}:${exists} (FLAGS ENVELOPE)`;
        expectOk((await c.run(fetch)).status, fetch);
        const store = `STORE ${1 + ((i * 7919) % exists)} +FLAGS (\\Flagged)`;
        expectOk((await c.run(store)).status, store);
        const message = smallMessage(u + 1, i);
        const append = Buffer.concat([
          Buffer.from(`APPEND INBOX {${message.length}+}\r\n`),
          message,
          Buffer.from('\r\n'),
        ]);
        expectOk((await c.run(append)).status, 'APPEND');
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const c of sessions) c.close();
  return (USERS * ITERATIONS * COMMANDS_PER_ITERATION) / seconds;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const range = (values: number[]) => `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`;

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const messages = generateSampleMessages(400, 42);
  const cluster = await startPostgres({ durable: true });
  const dirs: string[] = [];
  const stops: Array<() => Promise<void>> = [];
  const targets: Target[] = [];
  const postyardLogin = (user: number) => `user${user}@example.org`;
  try {
    const sqliteDir = await mkdtemp(join(os.tmpdir(), 'postyard-bench-sqlite-'));
    dirs.push(sqliteDir);
    const sqlite = await startNode(sqliteDir, undefined, true);
    stops.push(sqlite.stop);
    targets.push({ name: 'SQLite, 1 node', nodes: [sqlite.ports], login: postyardLogin });
    for (const count of [1, 2]) {
      const dir = await mkdtemp(join(os.tmpdir(), 'postyard-bench-pg-'));
      dirs.push(dir);
      const url = await cluster.createDatabase();
      const nodes = [];
      for (let n = 0; n < count; n++) {
        const node = await startNode(dir, url, n === 0);
        stops.push(node.stop);
        nodes.push(node.ports);
      }
      targets.push({ name: `PostgreSQL, ${count} node${count > 1 ? 's' : ''}`, nodes, login: postyardLogin });
    }
    if (!POSTYARD_ONLY) {
      DOVECOT.reset();
      stops.push(async () => DOVECOT.stop());
      targets.push({ name: 'Dovecot', nodes: [DOVECOT.ports], login: (user) => `user${user}` });
    }
    const deliveries = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    const commands = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length]!);
      for (const target of order) {
        const perSecond = await measureDeliveries(target, messages, round);
        const imap = await measureImap(target);
        deliveries.get(target.name)!.push(perSecond);
        commands.get(target.name)!.push(imap);
        console.log(
          `round ${round + 1} ${target.name}: ${perSecond.toFixed(0)} deliveries/s, ${imap.toFixed(0)} IMAP commands/s`,
        );
      }
    }
    const dovecot = { deliveries: deliveries.get('Dovecot'), commands: commands.get('Dovecot') };
    const ratio = (values: number[], reference: number[] | undefined) =>
      reference ? `${(median(values) / median(reference)).toFixed(2)}×` : '–';
    const lines = [
      '## PostgreSQL nodes',
      '',
      `${new Date().toISOString().slice(0, 10)}, \`node dist/bench/postgres-nodes.js\`: ${ROUNDS} rounds (targets rotating),` +
        ` ${DELIVERIES} LMTP deliveries over ${USERS} connections, then ${USERS} IMAP sessions × ${ITERATIONS}` +
        ' × (SELECT, FETCH 10 FLAGS ENVELOPE, STORE, APPEND 1 KB); PostgreSQL with fsync and synchronous commit' +
        ` on, every server its own process, client in the bench process; load average at start ${loadAtStart.toFixed(1)}` +
        ` (2 cores). Medians (range); ratio = target / Dovecot.`,
      '',
      '| target | deliveries/s | vs Dovecot | IMAP commands/s | vs Dovecot |',
      '| --- | --- | --- | --- | --- |',
      ...targets.map((t) => {
        const d = deliveries.get(t.name)!;
        const c = commands.get(t.name)!;
        return `| ${t.name} | ${median(d).toFixed(0)} (${range(d)}) | ${ratio(d, dovecot.deliveries)} | ${median(c).toFixed(0)} (${range(c)}) | ${ratio(c, dovecot.commands)} |`;
      }),
      '',
    ];
    console.log(lines.join('\n'));
    if (WRITE && !SMALL && !POSTYARD_ONLY) replaceBenchmarkSection('## PostgreSQL nodes', lines);
  } finally {
    for (const stop of stops) await stop().catch(() => {});
    await cluster.stop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
}

await main();
