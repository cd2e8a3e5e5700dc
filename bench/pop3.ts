/**
 * POP3 benchmark (issue 3): download of 1,000 realistic messages (pipelined RETR 1..1000 over a raw
 * socket) from Postyard and from Dovecot's POP3 in the same run, same client, same messages (loaded into
 * both over LMTP). Run compiled: `node dist/bench/pop3.js [--small] [--postyard-only] [--write]`. Starts Dovecot with
 * ../shared/reference/dovecot-ref.sh (fresh mail directory) and stops it afterwards. Each round also times
 * Postyard's own IMAP `FETCH 1:* BODY.PEEK[]` of the same messages (the bulk download POP3 should match).
 * With --write (not with --small), replaces the "POP3" section of BENCHMARKS.md.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { ImapTimer } from './lib/imap-timer.js';
import { loadViaLmtp } from './lib/lmtp-load.js';
import { coldCacheUnavailable, dropPageCache } from './lib/page-cache.js';
import { type RetrTiming, timeRetrAll } from './lib/pop3-timer.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { generateSampleMessages } from './lib/sample-messages.js';

/** Development aid: `--small` (100 messages) and `--postyard-only` (no Dovecot, BENCHMARKS.md untouched). */
const MESSAGES = SMALL ? 100 : 1000;
/** `--runs N`: more timed runs (e.g. so a `--cpu-prof` of the server is dominated by RETR, not loading). */
const RUNS_ARG = process.argv.indexOf('--runs');
const RUNS = RUNS_ARG > 0 ? Number(process.argv[RUNS_ARG + 1]) : 5;
/** Cold runs per server: the page cache is dropped right before each (bench/lib/page-cache.ts). */
const COLD_RUNS = SMALL ? 1 : 3;
const DOVECOT = new ReferenceDovecot('pop3', 14);
const POSTYARD_USER = 'bench@example.com';

/** Child-process mode: a Postyard server in its own process (like Dovecot's), reporting its ports. */
async function serve(): Promise<void> {
  const srv = await startTestServer({ limits: { maxMessageSize: 64 * 1024 * 1024 } });
  await srv.addUser(POSTYARD_USER, 'pass');
  process.send?.({ pop3: srv.ports.pop3, lmtp: srv.ports.lmtp, imap: srv.ports.imap });
  process.once('message', () => {
    void srv.close().then(() => process.exit(0));
  });
}

interface PostyardPorts {
  pop3: number;
  lmtp: number;
  imap: number;
}

async function startPostyard(): Promise<PostyardPorts & { stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: 'inherit' });
  const ports = await new Promise<PostyardPorts>((resolve, reject) => {
    child.once('message', (m) => resolve(m as PostyardPorts));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  return {
    ...ports,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

/** Postyard's IMAP bulk download of the same mailbox on a fresh connection: only the FETCH is timed. */
async function timeImapFetchAll(port: number): Promise<RetrTiming> {
  const client = await ImapTimer.open(port, POSTYARD_USER, 'pass');
  try {
    await client.run('SELECT INBOX');
    const fetched = await client.run('FETCH 1:* BODY.PEEK[]');
    if (!fetched.status.startsWith('OK')) throw new Error(`IMAP FETCH failed: ${fetched.status}`);
    return { ms: fetched.ms, bytes: fetched.bytes, messages: MESSAGES };
  } finally {
    client.close();
  }
}

function median(results: RetrTiming[]): RetrTiming {
  const sorted = [...results].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function describe(name: string, r: RetrTiming): string {
  return `${name}: ${r.messages} messages, ${(r.bytes / 1e6).toFixed(1)} MB in ${r.ms.toFixed(1)} ms = ${rate(r).toFixed(0)} msg/s, ${mbps(r).toFixed(1)} MB/s`;
}

const rate = (r: RetrTiming) => r.messages / (r.ms / 1000);
const mbps = (r: RetrTiming) => r.bytes / 1e6 / (r.ms / 1000);

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const messages = generateSampleMessages(MESSAGES);
  const postyard = await startPostyard();
  let dovecot = false;
  try {
    let t = Date.now();
    await loadViaLmtp(postyard.lmtp, POSTYARD_USER, messages);
    console.log(`Postyard loaded ${messages.length} messages in ${Date.now() - t} ms`);
    if (!POSTYARD_ONLY) {
      DOVECOT.reset();
      dovecot = true;
      t = Date.now();
      await loadViaLmtp(DOVECOT.ports.lmtp, 'user1', messages);
      console.log(`Dovecot loaded ${messages.length} messages in ${Date.now() - t} ms`);
    }
    const py: RetrTiming[] = [];
    const pyImap: RetrTiming[] = [];
    const dv: RetrTiming[] = [];
    // One warm-up each (page cache, Dovecot's index), then alternate so drift hits both alike.
    await timeRetrAll(postyard.pop3, POSTYARD_USER, 'pass');
    await timeImapFetchAll(postyard.imap);
    if (dovecot) await timeRetrAll(DOVECOT.ports.pop3, 'user1', 'pass');
    for (let i = 0; i < RUNS; i++) {
      py.push(await timeRetrAll(postyard.pop3, POSTYARD_USER, 'pass'));
      if (dovecot) dv.push(await timeRetrAll(DOVECOT.ports.pop3, 'user1', 'pass'));
      pyImap.push(await timeImapFetchAll(postyard.imap));
    }
    // Cold: every file and database page read from the disk again, alternating which server goes first.
    const pyCold: RetrTiming[] = [];
    const dvCold: RetrTiming[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      const order = [
        async () => dropPageCache() && pyCold.push(await timeRetrAll(postyard.pop3, POSTYARD_USER, 'pass')),
        async () =>
          dovecot && dropPageCache() && dvCold.push(await timeRetrAll(DOVECOT.ports.pop3, 'user1', 'pass')),
      ];
      if (i % 2 === 1) order.reverse();
      for (const run of order) await run();
    }
    const p = median(py);
    console.log(`Postyard runs (ms): ${py.map((r) => r.ms.toFixed(1)).join(' ')}`);
    if (dv.length) console.log(`Dovecot runs (ms): ${dv.map((r) => r.ms.toFixed(1)).join(' ')}`);
    console.log(`Postyard IMAP FETCH runs (ms): ${pyImap.map((r) => r.ms.toFixed(1)).join(' ')}`);
    if (pyCold.length)
      console.log(`Postyard cold runs (ms): ${pyCold.map((r) => r.ms.toFixed(1)).join(' ')}`);
    if (dvCold.length) console.log(`Dovecot cold runs (ms): ${dvCold.map((r) => r.ms.toFixed(1)).join(' ')}`);
    console.log(describe('Postyard', p));
    const imap = median(pyImap);
    console.log(describe('Postyard IMAP FETCH 1:* BODY.PEEK[]', imap));
    console.log(`POP3 time / IMAP time: ${(p.ms / imap.ms).toFixed(2)} (target <= 1.10)`);
    if (pyCold.length) console.log(describe('Postyard cold', median(pyCold)));
    if (dovecot) {
      const d = median(dv);
      console.log(describe('Dovecot', d));
      console.log(`ratio (Postyard MB/s / Dovecot MB/s): ${(mbps(p) / mbps(d)).toFixed(2)}x`);
      const cold = pyCold.length && dvCold.length ? { p: median(pyCold), d: median(dvCold) } : null;
      if (cold) {
        console.log(describe('Dovecot cold', cold.d));
        console.log(`cold ratio: ${(mbps(cold.p) / mbps(cold.d)).toFixed(2)}x`);
      }
      if (WRITE && !SMALL) writeSection(p, d, cold);
    }
  } finally {
    await postyard.stop();
    if (dovecot) DOVECOT.stop();
  }
}

/** Replaces the "## POP3" section of BENCHMARKS.md (other sections are left alone). */
function writeSection(p: RetrTiming, d: RetrTiming, cold: { p: RetrTiming; d: RetrTiming } | null): void {
  const row = (name: string, r: RetrTiming) =>
    `| ${name} | ${r.ms.toFixed(1)} ms | ${rate(r).toFixed(0)} | ${mbps(r).toFixed(1)} |`;
  const lines = [
    '## POP3',
    '',
    `\`node dist/bench/pop3.js\` on ${new Date().toISOString().slice(0, 10)}: download of ${p.messages} messages`,
    `(${(p.bytes / 1e6).toFixed(1)} MB on the wire) from \`gen-sample-mbox.py\` (seed 42), loaded into both servers over LMTP;`,
    `one raw socket, USER/PASS, then \`RETR 1\`..\`RETR ${p.messages}\` pipelined in one write; median of ${RUNS} warm runs,`,
    'alternating servers. Dovecot 2.3 (Debian, Maildir, `pop3_uidl_format = %08Xu%08Xv`); Postyard on SQLite. MB = 10^6 bytes.',
    '',
    '| Server | Time | Messages/s | MB/s |',
    '|---|---:|---:|---:|',
    row('Postyard', p),
    row('Dovecot', d),
    ...(cold ? [row('Postyard, cold page cache', cold.p), row('Dovecot, cold page cache', cold.d)] : []),
    '',
    `Ratio (Postyard / Dovecot throughput): **${(mbps(p) / mbps(d)).toFixed(2)}×** warm (target ≥ 1.3×)` +
      (cold
        ? `, **${(mbps(cold.p) / mbps(cold.d)).toFixed(2)}×** cold (median of ${COLD_RUNS} runs each, page cache dropped right before each run).`
        : `; cold runs not measured (${coldCacheUnavailable() ?? 'no Dovecot'}).`),
    '',
  ];
  replaceBenchmarkSection('## POP3', lines);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
