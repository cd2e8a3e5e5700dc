/**
 * IMAP benchmark (issue 4): Postyard vs Dovecot in the same run, same client, same messages.
 *   FETCH 1:* BODY.PEEK[] of 1,000 messages, FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS) of 10,000 messages,
 *   SELECT of a 100,000-message mailbox (warm: the index exists, the mailbox is not open elsewhere).
 * Run compiled: `node dist/bench/imap.js [--small]`. Starts Dovecot with /work/shared/reference/dovecot-ref.sh
 * (DOVECOT_DIR, default /tmp/dovecot-imap) and stops it afterwards. Writes the "IMAP" section of BENCHMARKS.md.
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type IngestedMessage, ingestMessage } from '../src/server/delivery/ingest.js';
import type { Store } from '../src/store/store.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { ImapTimer } from './lib/imap-timer.js';
import { generateSampleMessages } from './lib/sample-messages.js';

const SMALL = process.argv.includes('--small');
/** Development aid: measure Postyard alone (no Dovecot, BENCHMARKS.md untouched). */
const POSTYARD_ONLY = process.argv.includes('--postyard-only');
const SIZES = SMALL
  ? { bodies: 50, envelopes: 200, select: 1000 }
  : { bodies: 1000, envelopes: 10_000, select: 100_000 };
const RUNS = 5;
const DOVECOT = '/work/shared/reference/dovecot-ref.sh';
const DOVECOT_DIR = process.env.DOVECOT_DIR ?? '/tmp/dovecot-imap';
const DOVECOT_ENV = {
  ...process.env,
  DOVECOT_IMAP_PORT: '15143',
  DOVECOT_POP3_PORT: '15110',
  DOVECOT_LMTP_PORT: '15024',
};

interface Row {
  name: string;
  postyardMs: number;
  dovecotMs: number;
  bytes: number;
}

/** Every message made distinct (one blob each), so nothing is shared between messages. */
function distinct(messages: Buffer[], count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) =>
    Buffer.concat([Buffer.from(`X-Bench-Id: ${i}\r\n`), messages[i % messages.length] as Buffer]),
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
  const root = join(DOVECOT_DIR, 'mail', user);
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

async function median(
  fn: () => Promise<{ ms: number; bytes: number }>,
): Promise<{ ms: number; bytes: number }> {
  const results = [];
  for (let i = 0; i < RUNS; i++) results.push(await fn());
  results.sort((a, b) => a.ms - b.ms);
  return results[Math.floor(RUNS / 2)] as { ms: number; bytes: number };
}

interface Measured {
  /** The first run after priming the index (Postyard's body cache still empty). */
  first: { ms: number; bytes: number };
  /** Median of the repeated runs. */
  ms: number;
  bytes: number;
}

async function measure(port: number, login: string, password: string, mailbox: string, command: string) {
  const c = await ImapTimer.open(port, login, password);
  try {
    await c.run(`SELECT ${mailbox}`);
    // Prime: Dovecot builds its index and cache for the Maildir written behind its back; no bodies read.
    await c.run('FETCH 1:* (UID RFC822.SIZE FLAGS)');
    const first = await c.run(command);
    const repeated = await median(() => c.run(command));
    return { first, ...repeated } satisfies Measured;
  } finally {
    c.close();
  }
}

async function measureSelect(port: number, login: string, password: string, mailbox: string) {
  const c = await ImapTimer.open(port, login, password);
  try {
    await c.run(`SELECT ${mailbox}`);
    await c.run('UNSELECT');
    const repeated = await median(async () => {
      const r = await c.run(`SELECT ${mailbox}`);
      await c.run('UNSELECT');
      return r;
    });
    return { first: repeated, ...repeated } satisfies Measured;
  } finally {
    c.close();
  }
}

function report(name: string, p: { ms: number; bytes: number }, d: { ms: number; bytes: number }): void {
  const ratio = (d.ms / p.ms).toFixed(2);
  console.log(
    `${name}: Postyard ${p.ms.toFixed(1)} ms (${p.bytes} B), Dovecot ${d.ms.toFixed(1)} ms (${d.bytes} B), ${ratio}x`,
  );
}

interface Target {
  port: number;
  login: string;
  password: string;
}

/**
 * Child-process mode: a Postyard test server loaded with the three mailboxes; reports its port over IPC
 * and runs until told to stop. A separate process, like Dovecot's, so the client does not share its CPU.
 */
async function serve(): Promise<void> {
  const messages = sampleMessages();
  const tiny = Array.from({ length: 1000 }, (_, i) => tinyMessage(i));
  const srv = await startTestServer({ limits: { maxMessageSize: 64 * 1024 * 1024 } });
  const account = await srv.addUser('bench@example.com', 'pass');
  const t = Date.now();
  await loadPostyard(srv.ctx.store, account.id, 'Bodies', distinct(messages, SIZES.bodies), SIZES.bodies);
  await loadPostyard(srv.ctx.store, account.id, 'Envelopes', messages, SIZES.envelopes);
  await loadPostyard(srv.ctx.store, account.id, 'Big', tiny, SIZES.select);
  console.log(`Postyard loaded in ${Date.now() - t} ms`);
  process.send?.({ port: srv.ports.imap });
  process.once('message', () => {
    void srv.close().then(() => process.exit(0));
  });
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
    target: { port, login: 'bench@example.com', password: 'pass' },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      await exited;
    },
  };
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const postyard = await startPostyard();
  const py = postyard.target;
  let dv: Target | null = null;
  try {
    if (!POSTYARD_ONLY) {
      // `reset` starts Dovecot with empty mail, so earlier runs' folders do not add up.
      execFileSync(DOVECOT, ['reset', DOVECOT_DIR], { env: DOVECOT_ENV, stdio: 'inherit' });
      dv = { port: 15143, login: 'user1', password: 'pass' };
      // Let Dovecot create user1's Maildir, then add the folders.
      (await ImapTimer.open(dv.port, dv.login, dv.password)).close();
      const messages = sampleMessages();
      const tiny = Array.from({ length: 1000 }, (_, i) => tinyMessage(i));
      const t = Date.now();
      loadDovecot(dv.login, 'Bodies', distinct(messages, SIZES.bodies), SIZES.bodies);
      loadDovecot(dv.login, 'Envelopes', messages, SIZES.envelopes);
      loadDovecot(dv.login, 'Big', tiny, SIZES.select);
      console.log(`Dovecot loaded in ${Date.now() - t} ms`);
    }
    const rows: Row[] = [];
    const none: Measured = { first: { ms: Number.NaN, bytes: 0 }, ms: Number.NaN, bytes: 0 };
    const compare = async (name: string, mailbox: string, command: string | null, withFirst = false) => {
      const time = (s: Target) =>
        command
          ? measure(s.port, s.login, s.password, mailbox, command)
          : measureSelect(s.port, s.login, s.password, mailbox);
      const p = await time(py);
      const d = dv ? await time(dv) : none;
      if (withFirst) {
        const first = `${name}, first read`;
        rows.push({ name: first, postyardMs: p.first.ms, dovecotMs: d.first.ms, bytes: p.first.bytes });
        report(first, p.first, d.first);
      }
      const label = withFirst ? `${name}, repeated` : name;
      rows.push({ name: label, postyardMs: p.ms, dovecotMs: d.ms, bytes: p.bytes });
      report(label, p, d);
    };
    await compare(`FETCH 1:* BODY.PEEK[] (${SIZES.bodies} msgs)`, 'Bodies', 'FETCH 1:* BODY.PEEK[]', true);
    await compare(
      `FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS) (${SIZES.envelopes} msgs)`,
      'Envelopes',
      'FETCH 1:* (ENVELOPE BODYSTRUCTURE FLAGS)',
    );
    await compare(`SELECT (${SIZES.select} msgs, warm)`, 'Big', null);
    if (!SMALL && dv) writeSection(rows);
  } finally {
    await postyard.stop();
    if (dv) execFileSync(DOVECOT, ['stop', DOVECOT_DIR], { env: DOVECOT_ENV, stdio: 'inherit' });
  }
}

/** Replaces the "## IMAP" section of BENCHMARKS.md (other sections are left alone). */
function writeSection(rows: Row[]): void {
  const lines = [
    '## IMAP',
    '',
    `\`node dist/bench/imap.js\` on ${new Date().toISOString().slice(0, 10)}: both servers on this machine (2 cores, shared), one raw`,
    'client (bench/lib/imap-timer.ts) in its own process, Postyard (SQLite) in its own process, Dovecot 2.3 (Debian, Maildir).',
    'Messages from `gen-sample-mbox.py` (400, seed 42): the 1,000 bodies are made distinct (one blob each), the 10,000',
    'envelopes repeat the 400; the SELECT mailbox holds tiny messages. Before timing, each server gets',
    '`FETCH 1:* (UID RFC822.SIZE FLAGS)` so Dovecot builds its index for the Maildir written behind its back.',
    `"First read" is the first body download (files in the page cache for both; Postyard's body cache empty);`,
    `"repeated" and the other rows are the median of ${RUNS} further runs, where Postyard serves small bodies from its`,
    '32 MB in-process cache of recently read bodies (Dovecot from the page cache). SELECT: re-SELECT after UNSELECT.',
    'Ratio = Dovecot time / Postyard time (above 1: Postyard faster).',
    '',
    '| Benchmark | Postyard | Dovecot | Ratio |',
    '|---|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.postyardMs.toFixed(1)} ms | ${r.dovecotMs.toFixed(1)} ms | ${(r.dovecotMs / r.postyardMs).toFixed(2)}× |`,
    ),
    '',
  ];
  replaceBenchmarkSection('## IMAP', lines);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
