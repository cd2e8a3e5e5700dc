/**
 * SEARCH benchmark (issue 10): Postyard's full-text index vs Dovecot (no FTS plugin: it reads the
 * messages) on the same 100,000-message mailbox, same raw client, in the same run.
 * Messages: the `gen-sample-mbox.py` mix (2,000, seed 42) without those over 20 KB (attachments: they make
 * the mailbox huge but add no search text), each copy made distinct by an X-Bench-Id header, repeated up
 * to the size. Queries: SEARCH TEXT / BODY / SUBJECT / FROM with needles of different selectivity.
 * ROUNDS rounds, the servers alternating which goes first; per round and query one untimed run, then the
 * median of RUNS. Reported: medians over the rounds and their range, and the number of matches (equal for
 * both servers, or the benchmark stops).
 * Run compiled: `node dist/bench/search.js [--small] [--postyard-only] [--write]`. Dovecot via
 * ../shared/reference/dovecot-ref.sh on port 21143 (DOVECOT_DIR, default /tmp/dovecot-search).
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ingestMessage } from '../src/server/delivery/ingest.js';
import { startTestServer } from '../test/helpers/server.js';
import { replaceBenchmarkSection } from './lib/benchmarks-md.js';
import { ImapTimer } from './lib/imap-timer.js';
import { coldCacheUnavailable, dropPageCache } from './lib/page-cache.js';
import { POSTYARD_ONLY, ReferenceDovecot, SMALL, WRITE } from './lib/reference.js';
import { generateSampleMessages } from './lib/sample-messages.js';

const COUNT = Number(process.env.SEARCH_BENCH_COUNT ?? (SMALL ? 5_000 : 100_000));
const ROUNDS = SMALL ? 2 : 3;
/** Rounds with the page cache dropped before every query (bench/lib/page-cache.ts). */
const COLD_ROUNDS = SMALL ? 1 : 3;
const RUNS = 3;
const MAX_SIZE = 20_000;
const DOVECOT = new ReferenceDovecot('search', 21);

/** Needles of different selectivity in this corpus (a rare phrase, a common word pair, a UTF-8 word, ...). */
const QUERIES = [
  { name: 'SEARCH TEXT "budget server mailbox"', command: 'SEARCH TEXT "budget server mailbox"' },
  { name: 'SEARCH TEXT "quota release"', command: 'SEARCH TEXT "quota release"' },
  {
    name: 'SEARCH BODY "Ærøskøbing" (UTF-8)',
    command: `SEARCH CHARSET UTF-8 BODY {${Buffer.byteLength('Ærøskøbing')}+}\r\nÆrøskøbing`,
  },
  { name: 'SEARCH SUBJECT "invoice budget"', command: 'SEARCH SUBJECT "invoice budget"' },
  { name: 'SEARCH FROM "zoe@example.se"', command: 'SEARCH FROM "zoe@example.se"' },
];

function messages(): Buffer[] {
  const sample = generateSampleMessages(2000, 42).filter((m) => m.length <= MAX_SIZE);
  return Array.from({ length: COUNT }, (_, i) =>
    Buffer.concat([Buffer.from(`X-Bench-Id: ${i}\r\n`), sample[i % sample.length] as Buffer]),
  );
}

/** Child-process mode: a Postyard test server with the mailbox; reports its port, runs until told to stop. */
async function serve(): Promise<void> {
  const all = messages();
  const srv = await startTestServer({ limits: { maxMessageSize: 64 * 1024 * 1024 } });
  const account = await srv.addUser('bench@example.com', 'pass');
  const store = srv.ctx.store;
  const inbox = (await store.getMailbox(account.id, 'INBOX'))!;
  const t = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const { blob, meta } = await ingestMessage(store, all[next++] as Buffer, { maxSize: 64 * 1024 * 1024 });
      await store.append({ accountId: account.id, mailboxId: inbox.id, blob, meta });
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  console.log(
    `Postyard loaded ${all.length} messages in ${Date.now() - t} ms (delivery path: ingest, index)`,
  );
  process.on('message', (m: { stop?: boolean }) => {
    if (m.stop) void srv.close().then(() => process.exit(0));
  });
  process.send?.({ port: srv.ports.imap });
}

async function startPostyard(): Promise<{ port: number; stop(): Promise<void> }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`Postyard bench server exited with ${code}`)));
  });
  return {
    port,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ stop: true });
      await exited;
    },
  };
}

/** Dovecot: Maildir files written directly, owned by vmail; its index is built by an untimed SELECT. */
function loadDovecot(all: Buffer[]): void {
  const root = join(DOVECOT.dir, 'mail', 'user1');
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(root, sub), { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  all.forEach((data, i) => {
    writeFileSync(join(root, 'cur', `${now}.M${i}P1.bench,S=${data.length}:2,`), data);
  });
  execFileSync('chown', ['-R', 'vmail:vmail', root]);
}

interface Target {
  name: 'Postyard' | 'Dovecot';
  port: number;
  login: string;
}

const medianOf = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/**
 * Per query: the median of RUNS timed runs after one untimed run, on one connection; with `count`, the
 * number of matches too (one more, untimed, run).
 */
async function measure(target: Target, count: boolean): Promise<{ ms: number; matches: number }[]> {
  const c = await ImapTimer.open(target.port, target.login, 'pass');
  try {
    const selected = await c.run('SELECT INBOX');
    if (!selected.status.startsWith('OK')) throw new Error(`${target.name}: SELECT ${selected.status}`);
    const out = [];
    for (const q of QUERIES) {
      const first = await c.run(q.command);
      if (!first.status.startsWith('OK')) throw new Error(`${target.name}: ${q.name}: ${first.status}`);
      const runs: number[] = [];
      for (let i = 0; i < RUNS; i++) runs.push((await c.run(q.command)).ms);
      out.push({ ms: medianOf(runs), matches: count ? await countMatches(target, q.command) : -1 });
    }
    return out;
  } finally {
    c.close();
  }
}

/**
 * Cold: per query, the page cache dropped right before one timed run (no untimed run first), so the
 * index, the database and Dovecot's message files come from the disk. Null when the cache cannot be dropped.
 */
async function measureCold(target: Target): Promise<number[] | null> {
  const c = await ImapTimer.open(target.port, target.login, 'pass');
  try {
    await c.run('SELECT INBOX');
    const out: number[] = [];
    for (const q of QUERIES) {
      if (!dropPageCache()) return null;
      const r = await c.run(q.command);
      if (!r.status.startsWith('OK')) throw new Error(`${target.name}: ${q.name} (cold): ${r.status}`);
      out.push(r.ms);
    }
    return out;
  } finally {
    c.close();
  }
}

/** The number of matches, from an ESEARCH-free count: a separate connection reading the SEARCH line. */
async function countMatches(target: Target, command: string): Promise<number> {
  const { connect } = await import('../test/helpers/net.js');
  const client = await connect(target.port, { timeoutMs: 120_000 });
  try {
    await client.readLine();
    client.send(`a LOGIN ${target.login} pass`);
    await client.readUntil(/^a /);
    client.send('b SELECT INBOX');
    await client.readUntil(/^b /);
    client.send(`c ${command}`);
    const lines = await client.readUntil(/^c /, 120_000);
    const found = lines.find((l) => l.startsWith('* SEARCH')) ?? '* SEARCH';
    return found.split(' ').length - 2;
  } finally {
    client.socket.destroy();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes('--serve')) return serve();
  const load = [loadavg()[0]!];
  const postyard = await startPostyard();
  const targets: Target[] = [{ name: 'Postyard', port: postyard.port, login: 'bench@example.com' }];
  try {
    if (!POSTYARD_ONLY) {
      DOVECOT.reset();
      const dovecot: Target = { name: 'Dovecot', port: DOVECOT.ports.imap, login: 'user1' };
      (await ImapTimer.open(dovecot.port, dovecot.login, 'pass')).close();
      const t = Date.now();
      loadDovecot(messages());
      const c = await ImapTimer.open(dovecot.port, dovecot.login, 'pass');
      await c.run('SELECT INBOX');
      await c.run('FETCH 1:* (UID FLAGS)');
      c.close();
      console.log(`Dovecot loaded ${COUNT} messages (Maildir + index) in ${Date.now() - t} ms`);
      targets.push(dovecot);
    }
    const results = new Map<string, { ms: number; matches: number }[][]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...targets].reverse() : targets;
      for (const target of order) {
        load.push(loadavg()[0]!);
        const r = await measure(target, round < 2);
        results.get(target.name)!.push(r);
        console.log(
          `round ${round + 1} ${target.name}: ${r.map((x, i) => `${QUERIES[i]!.name} ${x.ms.toFixed(1)} ms${x.matches >= 0 ? ` (${x.matches})` : ''}`).join('; ')}`,
        );
      }
    }
    const cold = new Map<string, number[][]>(targets.map((t) => [t.name, []]));
    for (let round = 0; round < COLD_ROUNDS; round++) {
      for (const target of round % 2 ? [...targets].reverse() : targets) {
        const r = await measureCold(target);
        if (r) cold.get(target.name)!.push(r);
      }
    }
    const coldCell = (name: string, i: number) => {
      const xs = cold.get(name)?.map((r) => r[i]!) ?? [];
      return xs.length ? `${medianOf(xs).toFixed(0)} ms` : 'n/a';
    };
    const rows = QUERIES.map((q, i) => {
      const of = (name: string) => results.get(name)?.map((r) => r[i]!) ?? [];
      const p = of('Postyard');
      const d = of('Dovecot');
      // Each server's own count, the same in every round (the two may differ where their case and
      // address matching differ).
      const matches = [p, d]
        .filter((xs) => xs.length > 0)
        .map((xs) => {
          const counted = xs.filter((x) => x.matches >= 0);
          if (counted.some((x) => x.matches !== counted[0]!.matches))
            throw new Error(`${q.name}: matches changed`);
          return counted[0]!.matches;
        })
        .join(' / ');
      const range = (xs: { ms: number }[]) =>
        xs.length
          ? `${Math.min(...xs.map((x) => x.ms)).toFixed(0)}–${Math.max(...xs.map((x) => x.ms)).toFixed(0)}`
          : '–';
      const row = {
        name: q.name,
        matches,
        postyard: medianOf(p.map((x) => x.ms)),
        postyardRange: range(p),
        dovecot: d.length ? medianOf(d.map((x) => x.ms)) : Number.NaN,
        dovecotRange: range(d),
        postyardCold: coldCell('Postyard', i),
        dovecotCold: coldCell('Dovecot', i),
      };
      console.log(
        `${row.name}: ${matches} matches (Postyard / Dovecot); Postyard ${row.postyard.toFixed(1)} ms (${row.postyardRange}), Dovecot ${row.dovecot.toFixed(1)} ms (${row.dovecotRange}); cold ${row.postyardCold} / ${row.dovecotCold}`,
      );
      return row;
    });
    const loadText = `load average (1 min) ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} on ${cpus().length} cores`;
    console.log(loadText);
    if (WRITE && !SMALL && targets.length === 2) {
      replaceBenchmarkSection('## Search', [
        '## Search',
        '',
        `\`node dist/bench/search.js --write\` on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: one mailbox of`,
        `${COUNT.toLocaleString('en')} messages in both servers: the \`gen-sample-mbox.py\` mix (2,000, seed 42) without messages over 20 KB`,
        '(1,577 left; attachments only make the mailbox bigger), repeated, each copy made distinct by an X-Bench-Id',
        'header. Postyard loaded through its delivery path (ingest, full-text index in the same transaction);',
        'Dovecot 2.3 (Debian, Maildir, no FTS plugin: it reads the messages) via dovecot-ref.sh, its index built',
        `by an untimed SELECT and FETCH. ${ROUNDS} rounds, servers alternating which goes first; per round and query`,
        `one untimed run, then the median of ${RUNS}; the table has the median over the rounds and the range of the`,
        'round medians; matches counted by each server in the first two rounds (the same in both). Same raw client',
        `(bench/lib/imap-timer.ts). Shared 2-core machine, ${loadText}.`,
        `Cold: ${COLD_ROUNDS} more rounds, servers alternating; per query the page cache is dropped right before one timed run`,
        `(median of the rounds).${coldCacheUnavailable() ? ` Not measured: ${coldCacheUnavailable()} (needs root).` : ''}`,
        '',
        '| Query | Matches (Postyard / Dovecot) | Postyard | (range) | Dovecot | (range) | Ratio | Postyard cold | Dovecot cold |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        ...rows.map(
          (r) =>
            `| ${r.name} | ${r.matches} | ${r.postyard.toFixed(0)} ms | ${r.postyardRange} | ${r.dovecot.toFixed(0)} ms | ${r.dovecotRange} | ${(r.dovecot / r.postyard).toFixed(1)}× | ${r.postyardCold} | ${r.dovecotCold} |`,
        ),
        '',
      ]);
    }
  } finally {
    await postyard.stop();
    if (!POSTYARD_ONLY) DOVECOT.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
