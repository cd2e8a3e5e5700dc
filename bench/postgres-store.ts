/**
 * Durable delivery throughput through the Store interface (not a test): SQLite (one process, group
 * commit) against PostgreSQL with one and with two nodes (two PostgresStore instances, each with its
 * own pool) delivering to 100 accounts at once, on a throwaway cluster with fsync and synchronous commit
 * on. Every delivery resolves only once committed. Blobs are written beforehand with put() (SQLite:
 * files; PostgreSQL: its database, store.blobs "postgres"), so the numbers compare the metadata commit
 * path only.
 * Run compiled: `node dist/bench/postgres-store.js [deliveries=4000] [concurrency=50]`; BENCH_PG_FSYNC=0 turns
 * PostgreSQL's fsync off (is the commit flush the limit?).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleMessage, sampleMeta } from '../src/store/contract/fixture.js';
import { openPostgresStore } from '../src/store/postgres/index.js';
import { openSqliteStore } from '../src/store/sqlite/index.js';
import type { BlobRef, Store } from '../src/store/store.js';
import { startPostgres } from '../test/helpers/postgres.js';

const DELIVERIES = Number(process.argv[2] ?? 4000);
const CONCURRENCY = Number(process.argv[3] ?? 50);
const USERS = 100;
const meta = sampleMeta('bench');

async function prepare(store: Store): Promise<{ accounts: number[]; blobs: BlobRef[] }> {
  const accounts: number[] = [];
  for (let i = 0; i < USERS; i++) accounts.push((await store.createAccount(`u${i}@example.org`, 'x')).id);
  const blobs: BlobRef[] = [];
  for (let i = 0; i < DELIVERIES; i++) blobs.push(await store.blobs.put(sampleMessage(`m${i}`, 3000)));
  return { accounts, blobs };
}

/** CONCURRENCY workers per run, spread over the nodes; returns deliveries per second. */
async function run(nodes: Store[], accounts: number[], blobs: BlobRef[]): Promise<number> {
  let next = 0;
  const start = performance.now();
  const worker = async (node: Store) => {
    for (let i = next++; i < blobs.length; i = next++) {
      const [outcome] = await node.deliver({
        blob: blobs[i]!,
        meta,
        recipients: [{ accountId: accounts[i % USERS]! }],
      });
      if (!outcome?.ok) throw outcome?.error;
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, (_, w) => worker(nodes[w % nodes.length]!)));
  return blobs.length / ((performance.now() - start) / 1000);
}

const results: string[] = [];
{
  const dir = await mkdtemp(join(tmpdir(), 'postyard-bench-sqlite-'));
  const store = await openSqliteStore({ dataDir: dir });
  const { accounts, blobs } = await prepare(store);
  results.push(`SQLite, 1 process:     ${(await run([store], accounts, blobs)).toFixed(0)} deliveries/s`);
  await store.close();
  await rm(dir, { recursive: true, force: true });
}
const cluster = await startPostgres({ durable: process.env.BENCH_PG_FSYNC !== '0' });
try {
  for (const nodeCount of [1, 2]) {
    const dir = await mkdtemp(join(tmpdir(), 'postyard-bench-pg-'));
    const url = await cluster.createDatabase();
    const nodes: Store[] = [];
    for (let i = 0; i < nodeCount; i++)
      nodes.push(await openPostgresStore({ dataDir: dir, url, poolSize: 20 }));
    const { accounts, blobs } = await prepare(nodes[0]!);
    results.push(
      `PostgreSQL, ${nodeCount} node(s):  ${(await run(nodes, accounts, blobs)).toFixed(0)} deliveries/s`,
    );
    for (const node of nodes) await node.close();
    await rm(dir, { recursive: true, force: true });
  }
} finally {
  await cluster.stop();
}
console.log(`${DELIVERIES} deliveries, ${CONCURRENCY} at a time, ${USERS} accounts`);
for (const line of results) console.log(line);
