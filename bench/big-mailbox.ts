/**
 * A 100,000-message mailbox (issue 10), Postyard beside Dovecot in the same run: re-SELECT, QRESYNC resync
 * after 10 flag changes made by another session, SEARCH TEXT (a rare and a common word), SORT (DATE),
 * SORT (SUBJECT), THREAD REFERENCES. Targets: SELECT ≤ 50 ms, resync ≤ 20 ms, SEARCH TEXT ≤ 200 ms,
 * SORT ≤ 200 ms, THREAD ≤ 500 ms.
 *
 * Messages: synthetic and deterministic (threads with References/In-Reply-To, "Re:" subjects, 200
 * senders, dates over two years, 300-900 byte bodies; about 100 MB), the same bytes for both servers.
 * Each measurement: one untimed run, then the median of ROUNDS runs, the servers alternating.
 * Run compiled: `node dist/bench/big-mailbox.js [--small] [--postyard-only] [--write]`.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestMessage } from '../src/server/delivery/ingest.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { ImapTimer } from './lib/imap-timer.js';
import { coldCacheUnavailable, dropPageCache } from './lib/page-cache.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { COMMON, RARE, syntheticMessages } from './lib/synthetic-mail.js';

const COUNT = SMALL ? 5000 : 100_000;
const ROUNDS = SMALL ? 3 : 7;
/** Rounds with the page cache dropped before each server's turn (bench/lib/page-cache.ts). */
const COLD_ROUNDS = SMALL ? 1 : 3;
const MAILBOX = 'Big';
const DOVECOT = new ReferenceDovecot('big', 17);

interface Target {
  name: 'Postyard' | 'Dovecot';
  port: number;
  login: string;
  password: string;
}

const COMMANDS: { name: string; command: string; target: number }[] = [
  { name: `SEARCH TEXT "${RARE}" (1 in 1,000)`, command: `UID SEARCH TEXT ${RARE}`, target: 200 },
  { name: `SEARCH TEXT "${COMMON}" (most)`, command: `UID SEARCH TEXT ${COMMON}`, target: 200 },
  { name: 'SORT (DATE)', command: 'UID SORT (DATE) UTF-8 ALL', target: 200 },
  { name: 'SORT (SUBJECT)', command: 'UID SORT (SUBJECT) UTF-8 ALL', target: 200 },
  { name: 'THREAD REFERENCES', command: 'UID THREAD REFERENCES UTF-8 ALL', target: 500 },
];

/**
 * Measured again after one new message arrived (APPENDed by another session, seen by a NOOP): what a
 * client that re-sorts or re-threads on new mail waits for, past any answer a server kept.
 */
const AFTER_NEW = COMMANDS.filter((c) => c.name.startsWith('SORT') || c.name.startsWith('THREAD'));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function timed(c: ImapTimer, command: string): Promise<number> {
  const r = await c.run(command);
  if (!r.status.startsWith('OK')) throw new Error(`${command}: ${r.status}`);
  return r.ms;
}

/** One round on one server: every measurement once (after one untimed run in round 0). */
async function round(target: Target, first: boolean): Promise<Record<string, number>> {
  const a = await ImapTimer.open(target.port, target.login, target.password);
  const b = await ImapTimer.open(target.port, target.login, target.password);
  const out: Record<string, number> = {};
  try {
    await a.query('ENABLE QRESYNC');
    await a.run(`SELECT ${MAILBOX}`);
    await a.run('UNSELECT');
    out.SELECT = await timed(a, `SELECT ${MAILBOX}`);
    for (const { name, command } of COMMANDS) {
      // Round 0's first run is the cold one: the first of its kind since the server process started.
      if (first) out[`${name} (cold)`] = await timed(a, command);
      // The previous round's new messages: the repeat below is timed, as in round 0.
      else if (AFTER_NEW.some((c) => c.name === name)) await timed(a, command);
      out[name] = await timed(a, command);
    }
    for (const { name, command } of AFTER_NEW) {
      const [message] = syntheticMessages(1);
      const literal = Buffer.concat([
        Buffer.from(`APPEND ${MAILBOX} {${message!.length}+}\r\n`),
        message!,
        Buffer.from('\r\n'),
      ]);
      const appended = await b.run(literal);
      if (!appended.status.startsWith('OK')) throw new Error(`APPEND: ${appended.status}`);
      await a.run('NOOP');
      out[`${name} after a new message`] = await timed(a, command);
    }
    // QRESYNC: remember where A was, let B change 10 messages' flags, time A's resync.
    const status = await a.query(`STATUS ${MAILBOX} (UIDVALIDITY HIGHESTMODSEQ)`);
    const validity = /UIDVALIDITY (\d+)/.exec(status)?.[1];
    const modseq = /HIGHESTMODSEQ (\d+)/.exec(status)?.[1];
    await a.run('UNSELECT');
    await b.run(`SELECT ${MAILBOX}`);
    const flag = first ? '+' : Math.random() < 0.5 ? '+' : '-';
    const uids = Array.from({ length: 10 }, (_, i) => 1 + ((i * 7919 + Date.now()) % (COUNT - 1)));
    await b.run(`UID STORE ${uids.join(',')} ${flag}FLAGS.SILENT (\\Flagged)`);
    out['QRESYNC resync after 10 changes'] = await timed(
      a,
      `SELECT ${MAILBOX} (QRESYNC (${validity} ${modseq}))`,
    );
  } finally {
    a.close();
    b.close();
  }
  return out;
}

/**
 * A cold round on one server: the page cache dropped, then a fresh connection times SELECT and every
 * command once (no untimed run first), so the database, blobs and Dovecot's index come from the disk.
 * What the server process holds in memory between sessions stays, as it would in production.
 */
async function coldRound(target: Target): Promise<Record<string, number> | null> {
  const a = await ImapTimer.open(target.port, target.login, target.password);
  try {
    if (!dropPageCache()) return null;
    const out: Record<string, number> = { SELECT: await timed(a, `SELECT ${MAILBOX}`) };
    for (const { name, command } of COMMANDS) out[name] = await timed(a, command);
    return out;
  } finally {
    a.close();
  }
}

/** Child-process mode: a Postyard server with the big mailbox, reporting its port. */
async function serve(): Promise<void> {
  const srv = await startTestServer();
  const account = await srv.addUser('bench@example.com', 'pass');
  const store = srv.ctx.store;
  const box = await store.createMailbox(account.id, MAILBOX);
  const messages = syntheticMessages(COUNT);
  const t = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const m = messages[next++] as Buffer;
      const { blob, meta } = await ingestMessage(store, m, { maxSize: 1024 * 1024 });
      await store.append({ accountId: account.id, mailboxId: box.id, blob, meta });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  console.log(`Postyard loaded ${COUNT} messages in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  process.on('message', () => void srv.close().then(() => process.exit(0)));
  process.send?.({ port: srv.ports.imap });
}

function loadDovecot(messages: Buffer[]): void {
  const root = join(DOVECOT.dir, 'mail', 'user1');
  const dir = join(root, `.${MAILBOX}`);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const now = Math.floor(Date.now() / 1000) - messages.length;
  messages.forEach((data, i) => {
    writeFileSync(join(dir, 'cur', `${now + i}.M${i}P1.bench,S=${data.length}:2,`), data);
  });
  execFileSync('chown', ['-R', 'vmail:vmail', root]);
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const started = new Date();
  const load = loadavg()[0]!.toFixed(1);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  const targets: Target[] = [{ name: 'Postyard', port, login: 'bench@example.com', password: 'pass' }];
  try {
    if (!POSTYARD_ONLY) {
      DOVECOT.reset();
      loadDovecot(syntheticMessages(COUNT));
      targets.push({ name: 'Dovecot', port: DOVECOT.ports.imap, login: 'user1', password: 'pass' });
      // Dovecot indexes a Maildir written behind its back at the first SELECT: not what is measured.
      const prime = await ImapTimer.open(DOVECOT.ports.imap, 'user1', 'pass');
      await prime.run(`SELECT ${MAILBOX}`);
      await prime.run('FETCH 1:* (UID FLAGS)');
      prime.close();
    }
    const results = new Map<string, Record<string, number[]>>();
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const got = await round(target, r === 0);
        const all = results.get(target.name) ?? {};
        for (const [k, v] of Object.entries(got)) {
          all[k] = [...(all[k] ?? []), v];
        }
        results.set(target.name, all);
      }
      console.log(`round ${r + 1}/${ROUNDS} done`);
    }
    const cold = new Map<string, Record<string, number[]>>();
    for (let r = 0; r < COLD_ROUNDS; r++) {
      const order = r % 2 === 0 ? targets : [...targets].reverse();
      for (const target of order) {
        const got = await coldRound(target);
        if (!got) break;
        const all = cold.get(target.name) ?? {};
        for (const [k, v] of Object.entries(got)) all[k] = [...(all[k] ?? []), v];
        cold.set(target.name, all);
      }
    }
    const coldRows = ['SELECT', ...COMMANDS.map((c) => c.name)].map((name) => {
      const p = cold.get('Postyard')?.[name];
      const dv = cold.get('Dovecot')?.[name];
      const cell = (v: number[] | undefined) => (v ? `${median(v).toFixed(1)} ms` : 'n/a');
      const ratio = p && dv ? `${(median(dv) / median(p)).toFixed(2)}×` : 'n/a';
      return `| ${name} | ${cell(p)} | ${cell(dv)} | ${ratio} |`;
    });
    const names = [
      'SELECT',
      'QRESYNC resync after 10 changes',
      ...COMMANDS.flatMap((c) => [`${c.name} (cold)`, c.name]),
      ...AFTER_NEW.map((c) => `${c.name} after a new message`),
    ];
    const targetOf = (name: string) =>
      name === 'SELECT'
        ? 50
        : name.startsWith('QRESYNC')
          ? 20
          : (COMMANDS.find((c) => name.startsWith(c.name))?.target ?? 0);
    const rows = names.map((name) => {
      const p = median(results.get('Postyard')?.[name] ?? []);
      const dv = results.get('Dovecot')?.[name];
      const d = dv ? median(dv) : Number.NaN;
      const ratio = dv ? `${(d / p).toFixed(2)}×` : 'n/a';
      const met = p <= targetOf(name) ? 'met' : 'not met';
      const range = (values: number[] | undefined) =>
        values && values.length > 1
          ? `${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)}`
          : '';
      const pv = results.get('Postyard')?.[name];
      return `| ${name} | ${p.toFixed(1)} ms | ${range(pv)} | ${dv ? `${d.toFixed(1)} ms` : 'n/a'} | ${range(dv)} | ${ratio} | ≤ ${targetOf(name)} ms: ${met} |`;
    });
    const lines = [
      '## A 100,000-message mailbox',
      '',
      `\`node dist/bench/big-mailbox.js\` on ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC (load average ${load} at the start,`,
      `shared 2-core machine): ${COUNT.toLocaleString('en')} synthetic messages (threads, replies, 200 senders, 300-900 byte bodies) in one`,
      'mailbox of each server, the same bytes; Dovecot 2.3 (Maildir, index built by an untimed first SELECT).',
      `${ROUNDS} rounds, the servers alternating; each cell is the median (range beside it). SELECT is a re-SELECT`,
      'after UNSELECT; the resync is `SELECT (QRESYNC (uidvalidity modseq))` after another session changed the',
      'flags of 10 messages. "(cold)": the first run of that command since the server (process) started.',
      'Ratio = Dovecot time / Postyard time (above 1: Postyard faster).',
      '',
      '| Command | Postyard | (range) | Dovecot | (range) | Ratio | Target |',
      '|---|---:|---:|---:|---:|---:|---|',
      ...rows,
      '',
      `Cold page cache: ${COLD_ROUNDS} more rounds, the servers alternating; before each server's turn the page cache is`,
      'dropped (sync; echo 3 > /proc/sys/vm/drop_caches), then one fresh connection times SELECT and each command once.',
      'Each server keeps what its process holds in memory between sessions. Cells are medians.',
      ...(coldCacheUnavailable() ? [`Not measured: ${coldCacheUnavailable()} (needs root).`] : []),
      '',
      '| Command, cold page cache | Postyard | Dovecot | Ratio |',
      '|---|---:|---:|---:|',
      ...coldRows,
      '',
    ];
    console.log(lines.join('\n'));
    if (WRITE && !SMALL && !POSTYARD_ONLY) replaceBenchmarkSection('## A 100,000-message mailbox', lines);
  } finally {
    child.send({ stop: true });
    if (!POSTYARD_ONLY) DOVECOT.stop();
  }
}

await main();
