/**
 * Many IMAP clients at once (issues 10 and 15): Dovecot's imaptest in stress mode against Postyard and
 * Dovecot in the same run, the same users (100), messages (the standard sample mbox) and quota room.
 * Profiles: imaptest's default mix (each client logs in, SELECTs, FETCHes, STOREs, APPENDs, EXPUNGEs
 * and logs out again), `logout=0` (clients stay logged in: steady state) and APPEND only, each with 10
 * and 50 clients, 10 s per run.
 * Reported: commands per second (every command imaptest counted, divided by the seconds), the servers
 * alternating over ROUNDS rounds, medians and the range of the per-round ratios, and imaptest's
 * "Error:" lines (protocol or state violations; must be 0), every one with its context in a log file
 * beside BENCHMARKS.md (in the temp directory unless --write), so an error can be chased.
 * imaptest is built by ../shared/reference/imaptest/build.sh (IMAPTEST_DIR, default ~/.cache/postyard-imaptest).
 * `--workers` (issue 15) adds Postyard with `workers: 2` (a real `postyard start` process, see
 * src/server/cluster/README.md) beside the one-process server.
 * Run compiled: `node dist/bench/imaptest.js [--small] [--postyard-only] [--workers] [--write]
 * [--profile='default mix'] [--clients=10]`.
 */
import { execFileSync, fork } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LISTENER_NAMES } from '../src/cli/setup.js';
import { startWorkersServer, type WorkersServer } from '../test/cluster/helpers/workers-server.js';
import { errorExcerpts, runImaptest, stressTotals } from '../test/helpers/imaptest.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { sharedReference } from './lib/shared-reference.js';

const USERS = 100;
const WORKERS = process.argv.includes('--workers');
const SECS = SMALL ? 5 : 10;
const ROUNDS = SMALL ? 1 : 3;
/** `--profile=NAME` and `--clients=N` pick rows (chasing one error); BENCHMARKS.md is then left alone. */
const PICK_PROFILE = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const PICK_CLIENTS = process.argv.find((a) => a.startsWith('--clients='))?.slice('--clients='.length);
const PROFILES = [
  { name: 'default mix', args: [] as string[] },
  { name: 'logout=0', args: ['logout=0'] },
  // imaptest's "-" zeroes every state but LOGIN, SELECT and LOGOUT: APPEND only, never logging out, and
  // msgs high enough that it never expunges to keep mailboxes small.
  { name: 'APPEND only', args: ['-', 'append=100,0', 'logout=0', 'msgs=10000000'] },
].filter((p) => PICK_PROFILE === undefined || p.name === PICK_PROFILE);
const CLIENTS = [10, 50].filter((n) => PICK_CLIENTS === undefined || String(n) === PICK_CLIENTS);
const PICKED = PICK_PROFILE !== undefined || PICK_CLIENTS !== undefined;
const LIMITS = { maxConnectionsPerUser: 1000, maxConnectionsPerIp: 100_000 };
const DOVECOT = new ReferenceDovecot('imaptest', 18);

type TargetName = 'Postyard' | 'Postyard 2 workers' | 'Dovecot';

interface Target {
  name: TargetName;
  port: number;
  user: string;
  pass: string;
}

function imaptestDir(): string {
  const dir = process.env.IMAPTEST_DIR ?? join(homedir(), '.cache', 'postyard-imaptest');
  if (existsSync(join(dir, 'imaptest'))) return dir;
  const out = execFileSync('bash', [sharedReference('imaptest/build.sh'), dir], { encoding: 'utf8' });
  return out.trim().split('\n').at(-1) as string;
}

/** One imaptest stress run: commands per second, and its "Error:" lines with their context. */
async function stress(dir: string, target: Target, clients: number, extra: string[], mbox: string) {
  const args = [
    'host=127.0.0.1',
    `port=${target.port}`,
    `user=${target.user}`,
    `pass=${target.pass}`,
    `users=${USERS}`,
    `clients=${clients}`,
    `secs=${SECS}`,
    `mbox=${mbox}`,
    ...extra,
  ];
  // imaptest stops by itself after SECS (and its final wait, at most 30 s).
  const output = await runImaptest(dir, args, (SECS + 120) * 1000);
  const totals = stressTotals(output);
  if (!totals) throw new Error(`no totals in imaptest's output:\n${output.slice(-2000)}`);
  const total = Object.values(totals).reduce((sum, n) => sum + n, 0);
  return { perSecond: total / SECS, ...errorExcerpts(output) };
}

/** Child-process mode: a Postyard server with the users (quota like Dovecot's reference, 100 MB). */
async function serve(): Promise<void> {
  const srv = await startTestServer({ limits: LIMITS });
  await addBenchUsers(srv);
  process.on('message', () => void srv.close().then(() => process.exit(0)));
  process.send?.({ port: srv.ports.imap });
}

async function addBenchUsers(srv: Awaited<ReturnType<typeof startTestServer>>): Promise<void> {
  for (let u = 1; u <= USERS; u++) {
    await srv.addUser(`user${u}@example.com`, 'pass', { quotaBytes: 100 * 1024 * 1024 });
  }
}

/** The same users in a data directory served by `postyard start` with two workers. */
async function startTwoWorkers(): Promise<WorkersServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-bench-workers-'));
  const setup = await startTestServer({}, { dataDir });
  await addBenchUsers(setup);
  await setup.close();
  const listeners = Object.fromEntries(LISTENER_NAMES.map((name) => [name, { host: '127.0.0.1', port: 0 }]));
  const config = { workers: 2, listeners, limits: LIMITS, log: { level: 'info' } };
  await writeFile(join(dataDir, 'postyard.json'), JSON.stringify(config));
  return startWorkersServer({ dataDir });
}

function ratioText(ratios: number[]): string {
  if (ratios.length === 0) return 'n/a';
  return `${median(ratios).toFixed(2)}× (${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)})`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const started = new Date();
  const load = loadavg()[0]!.toFixed(1);
  const dir = imaptestDir();
  const mbox = join(tmpdir(), 'postyard-imaptest-sample.mbox');
  execFileSync('python3', [sharedReference('gen-sample-mbox.py'), mbox, '400', '42']);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  const targets: Target[] = [{ name: 'Postyard', port, user: 'user%d@example.com', pass: 'pass' }];
  const rows: string[] = [];
  const errorLog: string[] = [];
  const workers = WORKERS ? await startTwoWorkers() : null;
  if (workers) {
    targets.push({
      name: 'Postyard 2 workers',
      port: workers.ports.imap!,
      user: 'user%d@example.com',
      pass: 'pass',
    });
  }
  try {
    if (!POSTYARD_ONLY) {
      DOVECOT.reset();
      targets.push({ name: 'Dovecot', port: DOVECOT.ports.imap, user: 'user%d', pass: 'pass' });
    }
    for (const profile of PROFILES) {
      for (const clients of CLIENTS) {
        const per: Record<TargetName, number[]> = { Postyard: [], 'Postyard 2 workers': [], Dovecot: [] };
        const errors: Record<TargetName, number> = { Postyard: 0, 'Postyard 2 workers': 0, Dovecot: 0 };
        const ratios: number[] = [];
        const workerRatios: number[] = [];
        const workerDovecotRatios: number[] = [];
        for (let r = 0; r < ROUNDS; r++) {
          const order = r % 2 === 0 ? targets : [...targets].reverse();
          const got: Partial<Record<TargetName, number>> = {};
          for (const target of order) {
            const result = await stress(dir, target, clients, profile.args, mbox);
            got[target.name] = result.perSecond;
            per[target.name].push(result.perSecond);
            errors[target.name] += result.count;
            errorLog.push(
              `== ${target.name}, ${profile.name}, ${clients} clients, round ${r + 1}: ${result.count} Error: line(s)`,
              ...result.excerpts.flatMap((excerpt) => [excerpt, '--']),
            );
          }
          if (got.Dovecot) ratios.push((got.Postyard as number) / got.Dovecot);
          const two = got['Postyard 2 workers'];
          if (two !== undefined) {
            workerRatios.push(two / (got.Postyard as number));
            if (got.Dovecot) workerDovecotRatios.push(two / got.Dovecot);
          }
        }
        const p = median(per.Postyard);
        const d = per.Dovecot.length > 0 ? median(per.Dovecot) : Number.NaN;
        const ratio = ratioText(ratios);
        const row = workers
          ? `| ${profile.name} | ${clients} | ${p.toFixed(0)} | ${median(per['Postyard 2 workers']).toFixed(0)} | ${Number.isNaN(d) ? 'n/a' : d.toFixed(0)} | ${ratio} | ${ratioText(workerRatios)} | ${ratioText(workerDovecotRatios)} | ${errors.Postyard} / ${errors['Postyard 2 workers']} / ${errors.Dovecot} |`
          : `| ${profile.name} | ${clients} | ${p.toFixed(0)} | ${Number.isNaN(d) ? 'n/a' : d.toFixed(0)} | ${ratio} | ${errors.Postyard} / ${errors.Dovecot} |`;
        rows.push(row);
        console.log(row);
      }
    }
  } finally {
    await workers?.stop();
    await workers?.remove();
    child.send({ stop: true });
    if (!POSTYARD_ONLY) DOVECOT.stop();
  }
  const ended = `load average ${loadavg()[0]!.toFixed(1)} at the end`;
  const logName = workers ? 'BENCHMARKS-imaptest-workers-errors.txt' : 'BENCHMARKS-imaptest-errors.txt';
  const keep = WRITE && !SMALL && !POSTYARD_ONLY && !PICKED;
  const logPath = keep ? logName : join(tmpdir(), logName);
  const logHeader = `imaptest's "Error:" lines with 3 lines of context, every run of ${started.toISOString()} (bench/imaptest.ts)`;
  writeFileSync(logPath, `${[logHeader, ...errorLog].join('\n')}\n`);
  console.log(`imaptest's Error: lines, by run: ${logPath}`);
  if (workers) {
    const section = '## Workers: imaptest stress with 1 and 2 worker processes';
    const workerLines = [
      section,
      '',
      `\`node dist/bench/imaptest.js --workers\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${load} at the start,`,
      `shared 2-core machine, ${ended}): as the section above, ${USERS} users, ${SECS} s per run, ${ROUNDS} round(s), the three`,
      'servers alternating: Postyard in one process (`workers: 1`), Postyard as `postyard start` with',
      '`workers: 2` (a primary and two workers on one SQLite file), and Dovecot 2.3. Ratios are medians of',
      `the per-round ratios (range). Every run's "Error:" lines with their context: \`${logName}\`.`,
      '',
      '| Profile | Clients | 1 worker cmd/s | 2 workers cmd/s | Dovecot cmd/s | 1 worker / Dovecot | 2 workers / 1 | 2 workers / Dovecot | Error: lines (1 / 2 / D) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    ];
    console.log(workerLines.join('\n'));
    if (keep) replaceBenchmarkSection(section, workerLines);
    return;
  }
  const lines = [
    '## Many IMAP clients (imaptest stress)',
    '',
    `\`node dist/bench/imaptest.js\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${load} at the start,`,
    `shared 2-core machine, ${ended}): Dovecot's imaptest in stress mode, ${USERS} users, ${SECS} s per run, messages from the`,
    'standard sample mbox (400, seed 42), against Postyard (one process, SQLite) and Dovecot 2.3 (Maildir,',
    `100 MB quota; Postyard's users get the same). ${ROUNDS} round(s), the servers alternating. Commands per`,
    'second = every command imaptest counted / seconds; ratio = Postyard / Dovecot (median of the rounds, range).',
    'The default mix logs in and out all the time (Dovecot starts a process per login); `logout=0` keeps the',
    'clients logged in (steady state); APPEND only: `- append=100,0 logout=0 msgs=10000000` (no other command',
    `but the LOGIN and SELECT, mailboxes only grow). Every run's "Error:" lines with their context: \`${logName}\`.`,
    '',
    '| Profile | Clients | Postyard commands/s | Dovecot commands/s | Ratio | Error: lines (P / D) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
  console.log(lines.join('\n'));
  if (keep) replaceBenchmarkSection('## Many IMAP clients (imaptest stress)', lines);
}

await main();
