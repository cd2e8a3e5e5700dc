/**
 * Many IMAP clients at once (issues 10 and 15): Dovecot's imaptest in stress mode against Postyard and
 * Dovecot in the same run, the same users (100), messages (the standard sample mbox) and quota room.
 * Profiles: imaptest's default mix (each client logs in, SELECTs, FETCHes, STOREs, APPENDs, EXPUNGEs
 * and logs out again) and `logout=0` (clients stay logged in: steady state), with 10 and 100 clients.
 * Reported: commands per second (every command imaptest counted, divided by the seconds), the servers
 * alternating over ROUNDS rounds, medians and the range of the per-round ratios, and imaptest's
 * "Error:" lines (protocol or state violations; must be 0).
 * imaptest is built by ../shared/reference/imaptest/build.sh (IMAPTEST_DIR, default ~/.cache/postyard-imaptest).
 * `--workers` (issue 15) adds Postyard with `workers: 2` (a real `postyard start` process, see
 * src/server/cluster/README.md) beside the one-process server, with 10 and 50 clients, 10 s per run.
 * Run compiled: `node dist/bench/imaptest.js [--small] [--postyard-only] [--workers] [--write]`.
 */
import { execFileSync, fork, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LISTENER_NAMES } from '../src/cli/setup.js';
import { startWorkersServer, type WorkersServer } from '../test/cluster/helpers/workers-server.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { sharedReference } from './lib/shared-reference.js';

const USERS = 100;
const WORKERS = process.argv.includes('--workers');
const SECS = SMALL ? 5 : WORKERS ? 10 : 20;
const ROUNDS = SMALL ? 1 : 3;
const PROFILES = [
  { name: 'default mix', args: [] as string[] },
  { name: 'logout=0', args: ['logout=0'] },
];
const CLIENTS = WORKERS ? [10, 50] : [10, 100];
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

/** One imaptest stress run: commands per second and the number of "Error:" lines. */
function stress(dir: string, target: Target, clients: number, extra: string[], mbox: string) {
  return new Promise<{ perSecond: number; errors: number }>((resolve, reject) => {
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
    const child = spawn(join(dir, 'imaptest'), args, {
      env: { ...process.env, LD_LIBRARY_PATH: '/usr/lib/dovecot' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', reject);
    child.on('close', () => {
      const errors = out.split('\n').filter((l) => l.startsWith('Error:')).length;
      // "Totals:", the command names, percentage lines, then the counts.
      const totals = out.slice(out.lastIndexOf('Totals:')).split('\n').slice(1);
      const names = (totals[0] ?? '').trim().split(/\s+/).length;
      const counts = totals.find(
        (l) => /^\s*\d+(\s+\d+)*\s*$/.test(l) && l.trim().split(/\s+/).length === names,
      );
      if (!counts) {
        reject(new Error(`no totals in imaptest's output:\n${out.slice(-2000)}`));
        return;
      }
      const total = counts
        .trim()
        .split(/\s+/)
        .reduce((sum, n) => sum + Number(n), 0);
      resolve({ perSecond: total / SECS, errors });
    });
  });
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
            errors[target.name] += result.errors;
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
          ? `| ${profile.name} | ${clients} | ${p.toFixed(0)} | ${median(per['Postyard 2 workers']).toFixed(0)} | ${Number.isNaN(d) ? 'n/a' : d.toFixed(0)} | ${ratioText(workerRatios)} | ${ratioText(workerDovecotRatios)} | ${errors.Postyard} / ${errors['Postyard 2 workers']} / ${errors.Dovecot} |`
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
  if (workers) {
    const section = '## Workers: imaptest stress with 1 and 2 worker processes';
    const workerLines = [
      section,
      '',
      `\`node dist/bench/imaptest.js --workers\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${load} at the start,`,
      `shared 2-core machine): as the section above, ${USERS} users, ${SECS} s per run, ${ROUNDS} round(s), the three`,
      'servers alternating: Postyard in one process (`workers: 1`), Postyard as `postyard start` with',
      '`workers: 2` (a primary and two workers on one SQLite file), and Dovecot 2.3. Ratios are medians of',
      'the per-round ratios (range).',
      '',
      '| Profile | Clients | 1 worker cmd/s | 2 workers cmd/s | Dovecot cmd/s | 2 workers / 1 | 2 workers / Dovecot | Error: lines (1 / 2 / D) |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
    ];
    console.log(workerLines.join('\n'));
    if (WRITE && !SMALL && !POSTYARD_ONLY) replaceBenchmarkSection(section, workerLines);
    return;
  }
  const lines = [
    '## Many IMAP clients (imaptest stress)',
    '',
    `\`node dist/bench/imaptest.js\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${load} at the start,`,
    `shared 2-core machine): Dovecot's imaptest in stress mode, ${USERS} users, ${SECS} s per run, messages from the`,
    'standard sample mbox (400, seed 42), against Postyard (one process, SQLite) and Dovecot 2.3 (Maildir,',
    `100 MB quota; Postyard's users get the same). ${ROUNDS} round(s), the servers alternating. Commands per`,
    'second = every command imaptest counted / seconds; ratio = Postyard / Dovecot (median of the rounds, range).',
    'The default mix logs in and out all the time (Dovecot starts a process per login); `logout=0` keeps the',
    'clients logged in (steady state).',
    '',
    '| Profile | Clients | Postyard commands/s | Dovecot commands/s | Ratio | Error: lines (P / D) |',
    '|---|---:|---:|---:|---:|---:|',
    ...rows,
    '',
  ];
  console.log(lines.join('\n'));
  if (WRITE && !SMALL && !POSTYARD_ONLY)
    replaceBenchmarkSection('## Many IMAP clients (imaptest stress)', lines);
}

await main();
