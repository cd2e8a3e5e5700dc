/**
 * Outgoing queue benchmark (issue 16): 20 parallel submission clients send N messages of 25 KB to a remote
 * domain; the server queues each durably, answers 250, and relays it to a sink MX on loopback. Measured:
 * accepted/s (client side, up to the last 250 after DATA) and delivered/s (sink side, up to the arrival
 * of the last message), both from the first MAIL. Side by side with a private Debian Postfix instance
 * (bench/lib/postfix.ts, default fsync behaviour) relaying to the same sink in the same run; rounds
 * alternate which server goes first, and each run gets a fresh server and queue.
 * Run compiled, as root (Postfix): `node dist/bench/outgoing.js [--messages N] [--rounds R] [--full]
 * [--postyard-only] [--write]`. --full is 10,000 messages; --write appends or replaces the
 * "Outgoing queue" section of BENCHMARKS.md (only with Postfix in the run).
 */
import { fork } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dotStuff } from '../src/protocol/pop3/dot-stuffer.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { PrivatePostfix } from './lib/postfix.js';
import { POSTYARD_ONLY, WRITE } from './lib/reference.js';
import { type SinkMx, startSinkMx } from './lib/sink-mx.js';
import { submitAll } from './lib/smtp-submit.js';

const CLIENTS = 20;
const SIZE = 25 * 1024;
const WARM_UP = 200;
const POSTFIX_PORT = 22525;
const PASSWORD = 'bench-password';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} needs a positive integer`);
  return value;
}
const MESSAGES = process.argv.includes('--full') ? 10_000 : option('--messages', 2_000);
const ROUNDS = option('--rounds', 1);

/** Child-process mode: Postyard with only submission, relaying everything to the sink as smarthost. */
async function serve(sinkPort: number): Promise<void> {
  const off = { enabled: false };
  const srv = await startTestServer({
    listeners: {
      imap: off,
      imaps: off,
      pop3: off,
      pop3s: off,
      smtp: off,
      submissions: off,
      lmtp: off,
      http: off,
      https: off,
    },
    localDomains: ['example.org'],
    outgoing: { mode: 'smarthost', smarthost: { host: '127.0.0.1', port: sinkPort, security: 'none' } },
  });
  // One account per client: maxConnectionsPerUser is 20 by default, and real clients are many users.
  for (let k = 0; k < CLIENTS; k++) await srv.addUser(`bench${k}@example.org`, PASSWORD);
  process.send?.({ submission: srv.ports.submission });
  process.once('message', () => {
    void srv.close().then(() => process.exit(0));
  });
}

interface Server {
  port: number;
  auth: boolean;
  stop(): Promise<void>;
}

async function startPostyard(sinkPort: number): Promise<Server> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', String(sinkPort)], { stdio: 'inherit' });
  const { submission } = await new Promise<{ submission: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { submission: number }));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  return {
    port: submission,
    auth: true,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

async function startPostfix(sinkPort: number): Promise<Server> {
  const postfix = new PrivatePostfix(POSTFIX_PORT, sinkPort);
  try {
    await postfix.start();
  } catch (err) {
    await postfix.stop();
    throw err;
  }
  return { port: POSTFIX_PORT, auth: false, stop: () => postfix.stop() };
}

/** A 25 KB message: a header naming sender, recipient and index, then a shared text body. */
const BODY = (() => {
  const line = 'The quick brown fox jumps over the lazy dog, then files its outgoing mail. 0123456789\r\n';
  return Buffer.from(line.repeat(Math.ceil(SIZE / line.length)).slice(0, SIZE - 400));
})();
function message(index: number, from: string, to: string): Buffer {
  const header =
    `From: Bench <${from}>\r\nTo: <${to}>\r\nSubject: Outgoing bench ${index}\r\n` +
    `Message-ID: <bench-${index}-${to}>\r\nDate: ${new Date().toUTCString().replace('GMT', '+0000')}\r\n` +
    'MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n';
  return dotStuff(Buffer.concat([Buffer.from(header), BODY]));
}

interface Run {
  name: 'Postyard' | 'Postfix';
  round: number;
  accepted: number;
  delivered: number;
  acceptMs: number;
  deliverMs: number;
  load: [number, number];
}

let tags = 0;
/** Sends `count` messages through `server` and waits until the sink has all of them. */
async function load(
  sink: SinkMx,
  server: Server,
  count: number,
): Promise<{ acceptMs: number; deliverMs: number }> {
  const tag = `run${++tags}`;
  let started = 0n;
  const delivered = sink.waitFor(tag, count);
  let timer: NodeJS.Timeout | undefined;
  // A guard, not a measurement: a queue that stops delivering must end the bench with a reason.
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`only ${sink.received(tag)} of ${count} messages reached the sink in 20 minutes`)),
      20 * 60_000,
    );
  });
  try {
    const accepted = await Promise.race([
      submitAll({
        port: server.port,
        clients: CLIENTS,
        count,
        client: (k) => ({
          from: `bench${k}@example.org`,
          ...(server.auth ? { auth: { user: `bench${k}@example.org`, pass: PASSWORD } } : {}),
        }),
        recipient: (i) => `${tag}-${i}@sink.test`,
        message,
        onStart: () => (started = process.hrtime.bigint()),
      }),
      stuck,
    ]);
    const arrived = await Promise.race([delivered, stuck]);
    return { acceptMs: Number(accepted - started) / 1e6, deliverMs: Number(arrived - started) / 1e6 };
  } finally {
    clearTimeout(timer);
  }
}

async function measure(sink: SinkMx, name: Run['name'], round: number): Promise<Run> {
  const server = await (name === 'Postyard' ? startPostyard(sink.port) : startPostfix(sink.port));
  try {
    // Warm-up (code paths, Postfix's process pool and destination concurrency), not measured.
    await load(sink, server, WARM_UP);
    const before = loadavg()[0]!;
    const t = await load(sink, server, MESSAGES);
    const run: Run = {
      name,
      round,
      accepted: MESSAGES / (t.acceptMs / 1000),
      delivered: MESSAGES / (t.deliverMs / 1000),
      ...t,
      load: [before, loadavg()[0]!],
    };
    console.log(
      `round ${round} ${name.padEnd(8)}: accepted ${run.accepted.toFixed(0)}/s (${(t.acceptMs / 1000).toFixed(1)} s), ` +
        `delivered ${run.delivered.toFixed(0)}/s (${(t.deliverMs / 1000).toFixed(1)} s), load ${run.load.map((l) => l.toFixed(2)).join(' → ')}`,
    );
    return run;
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt >= 0) return serve(Number(process.argv[serveAt + 1]));
  const sink = await startSinkMx();
  const runs: Run[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate the order, so a drift in the machine's load does not always favour the same server.
      const order: Run['name'][] = POSTYARD_ONLY
        ? ['Postyard']
        : round % 2
          ? ['Postyard', 'Postfix']
          : ['Postfix', 'Postyard'];
      for (const name of order) runs.push(await measure(sink, name, round));
    }
  } finally {
    await sink.close();
  }
  if (POSTYARD_ONLY) return;
  const summary = summarise(runs);
  for (const line of summary) console.log(line);
  if (WRITE) writeSection(runs, summary);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const spread = (xs: number[], digits = 0) =>
  `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;

function ratios(runs: Run[], key: 'accepted' | 'delivered'): number[] {
  const out: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const p = runs.find((r) => r.round === round && r.name === 'Postyard');
    const f = runs.find((r) => r.round === round && r.name === 'Postfix');
    if (p && f) out.push(p[key] / f[key]);
  }
  return out;
}

function summarise(runs: Run[]): string[] {
  const of = (name: Run['name'], key: 'accepted' | 'delivered') =>
    runs.filter((r) => r.name === name).map((r) => r[key]);
  return [
    '| | Postyard /s | Postfix /s | Ratio (per round) |',
    '|---|---:|---:|---:|',
    ...(['accepted', 'delivered'] as const).map(
      (key) =>
        `| ${key} | ${spread(of('Postyard', key))} | ${spread(of('Postfix', key))} | ${spread(ratios(runs, key), 2)}× |`,
    ),
  ];
}

function writeSection(runs: Run[], summary: string[]): void {
  const heading = '## Outgoing queue';
  const loads = runs.flatMap((r) => r.load);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    heading,
    '',
    `\`node dist/bench/outgoing.js${MESSAGES === 10_000 ? ' --full' : ` --messages ${MESSAGES}`} --rounds ${ROUNDS}\` on ` +
      `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${MESSAGES.toLocaleString('en')} messages of 25 KB to a remote`,
    `domain from ${CLIENTS} parallel submission clients (one connection each, EHLO/AUTH once, then pipelined`,
    'MAIL/RCPT/DATA, waiting for the 250 after DATA), relayed to a sink MX on loopback (smtp-server, counts and',
    'discards). accepted/s: client side, first MAIL to the last 250; delivered/s: first MAIL to the arrival of',
    `the last message at the sink. Median (min–max) of ${ROUNDS} round(s); each round runs both servers, the order`,
    `alternating, each with a fresh queue and an unmeasured warm-up of ${WARM_UP} messages. Machine: ${cpus().length} cores`,
    `(${cpu}), Node ${process.version}, queues in ${tmpdir()}, shared with other engineers' work; 1-minute load`,
    `average ${Math.min(...loads).toFixed(2)}–${Math.max(...loads).toFixed(2)} during the runs.`,
    '',
    ...summary,
    '',
    '| Round | Server | accepted/s | delivered/s | accept s | deliver s | load |',
    '|---:|---|---:|---:|---:|---:|---|',
    ...runs.map(
      (r) =>
        `| ${r.round} | ${r.name} | ${r.accepted.toFixed(0)} | ${r.delivered.toFixed(0)} | ${(r.acceptMs / 1000).toFixed(1)} | ` +
        `${(r.deliverMs / 1000).toFixed(1)} | ${r.load.map((l) => l.toFixed(2)).join('→')} |`,
    ),
    '',
    ...ANALYSIS,
    '',
  ];
  replaceBenchmarkSection(heading, lines);
}

/** Hand-written (kept here so --write does not lose it); update it when the numbers change their story. */
const ANALYSIS: string[] = [];

await main();
