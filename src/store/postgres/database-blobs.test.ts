/**
 * Database blobs (database-blobs.ts) where the contract suite does not look: blobs of several chunks,
 * ranged reads at and across chunk boundaries, reads that touch only the chunks of their range, a
 * streamed put that deduplicates, damage found by the integrity check, and a staged blob delivered to
 * several recipients.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../../test/helpers/postgres.js';
import { sampleMeta } from '../contract/fixture.js';
import { CHUNK_BYTES } from './database-blobs.js';
import { openPostgresStore, type PostgresStore } from './index.js';

/** Bytes whose every offset is recognisable: a wrong chunk or offset shows as a mismatch. */
function patterned(size: number, seed: number): Buffer {
  const data = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) data.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  return data;
}

/** The input in uneven pieces, as a socket delivers it. */
function pieces(data: Buffer, size = 70_001): Readable {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) parts.push(data.subarray(at, at + size));
  return Readable.from(parts);
}

describe('postgres database blobs', { skip: !postgresAvailable() }, () => {
  let cluster: TestPostgres;
  let dataDir: string;
  let store: PostgresStore;
  let sql: pg.Client;

  before(async () => {
    cluster = await startPostgres();
    const url = await cluster.createDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'postyard-pg-blobs-'));
    store = await openPostgresStore({ dataDir, url, poolSize: 4 });
    sql = new pg.Client({ connectionString: url });
    await sql.connect();
  });
  after(async () => {
    await sql?.end();
    await store?.close();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const chunkCount = async (id: string) =>
    (await sql.query<{ n: number }>('SELECT count(*) AS n FROM blob_chunks WHERE blob_id = $1', [id]))
      .rows[0]!.n;

  test('reads ranges inside one chunk, across chunks and at the end of a multi-chunk blob', async () => {
    const C = CHUNK_BYTES;
    const data = patterned(9 * C + C / 2 + 3, 1);
    const ref = await store.blobs.put(pieces(data));
    assert.equal(ref.size, data.length);
    assert.equal(await chunkCount(ref.id), 10);
    assert.deepEqual(await store.blobs.read(ref.id), data);
    const ranges: Array<[number, number | undefined]> = [
      [10, 100], // inside the first chunk
      [C + 7, 2 * C - 7], // inside a middle chunk
      [C, 2 * C], // exactly one chunk
      [C - 5, C + 5], // across one boundary
      [C - 1, 3 * C + 1], // across three
      [C - 1, 8 * C + 7], // more chunks than one query fetches
      [4 * C, 8 * C], // exactly one query's worth
      [data.length - 10, data.length], // the end
      [data.length - 10, undefined], // to the end, no end given
      [9 * C, undefined], // the short last chunk
      [2 * C + 1, data.length + 500], // end past the blob
      [0, undefined], // whole
    ];
    for (const [start, end] of ranges) {
      assert.deepEqual(
        await buffer(store.blobs.stream(ref.id, start, end)),
        data.subarray(start, end),
        `[${start}, ${end})`,
      );
    }
    assert.equal((await buffer(store.blobs.stream(ref.id, data.length, undefined))).length, 0);
    assert.equal((await buffer(store.blobs.stream(ref.id, 50, 50))).length, 0);
  });

  test('a ranged read fetches only the chunks that cover its range', async () => {
    const C = CHUNK_BYTES;
    const data = patterned(4 * C, 2);
    const ref = await store.blobs.put(data);
    // Behind the store's back: only chunk 1 and 2 are left.
    await sql.query('DELETE FROM blob_chunks WHERE blob_id = $1 AND seq IN (0, 3)', [ref.id]);
    assert.deepEqual(
      await buffer(store.blobs.stream(ref.id, C + 1, 3 * C - 1)),
      data.subarray(C + 1, 3 * C - 1),
    );
    await assert.rejects(buffer(store.blobs.stream(ref.id, 0, 10)), /damaged/);
    await assert.rejects(store.blobs.read(ref.id), /damaged/);
    await assert.rejects(buffer(store.blobs.stream('f'.repeat(64))), { code: 'NOT_FOUND' });

    const report = await store.checkIntegrity();
    assert.deepEqual(
      report.problems.map((p) => [p.kind, p.detail]),
      [
        [
          'blob-size-mismatch',
          `blob ${ref.id}: its chunks in the database hold ${2 * C} bytes, its row says ${4 * C}`,
        ],
      ],
    );
    await store.blobs.remove(ref.id);
    assert.equal(await chunkCount(ref.id), 0);
    assert.deepEqual((await store.checkIntegrity()).problems, []);
  });

  test('a streamed put of bytes already stored keeps one copy and leaves no temporary chunks', async () => {
    const data = patterned(2 * CHUNK_BYTES + 11, 3);
    const [a, b] = await Promise.all([store.blobs.put(pieces(data)), store.blobs.put(pieces(data, 4096))]);
    assert.deepEqual(a, b);
    assert.deepEqual(await store.blobs.put(data), a);
    assert.equal(await chunkCount(a.id), 3);
    const temps = await sql.query("SELECT 1 FROM blob_chunks WHERE blob_id LIKE 'tmp-%'");
    assert.equal(temps.rowCount, 0);
    const empty = await store.blobs.put(Readable.from([]));
    assert.equal(empty.size, 0);
    assert.equal((await store.blobs.read(empty.id)).length, 0);
  });

  test('a staged blob delivered to several recipients is stored once for all of them', async () => {
    const data = Buffer.from('Subject: to two\r\n\r\nhello both\r\n');
    const ref = store.blobs.stage?.(data);
    assert.ok(ref?.inline, 'a small blob is staged');
    const one = await store.createAccount('one@example.org', 'x');
    const two = await store.createAccount('two@example.org', 'x');
    const outcomes = await store.deliver({
      blob: ref,
      meta: sampleMeta('two'),
      recipients: [{ accountId: one.id }, { accountId: two.id }],
    });
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, true],
    );
    assert.deepEqual(await store.blobs.read(ref.id), data);
    assert.equal(await chunkCount(ref.id), 1);
  });
});
