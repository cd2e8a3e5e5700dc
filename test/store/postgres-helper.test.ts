/** The throwaway cluster itself: it starts, hands out separate databases, and is gone after stop(). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { postgresAvailable, startPostgres } from '../helpers/postgres.js';

test('throwaway PostgreSQL cluster: fresh databases, removed at stop', {
  skip: !postgresAvailable(),
}, async () => {
  const cluster = await startPostgres();
  try {
    const a = await cluster.createDatabase();
    const b = await cluster.createDatabase();
    assert.notEqual(a, b);
    const client = new pg.Client({ connectionString: a });
    await client.connect();
    await client.query('CREATE TABLE t (x int)');
    const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
    assert.equal(`postgres://postgres@127.0.0.1:${cluster.port}/${rows[0]!.db}`, a);
    await client.end();
    const other = new pg.Client({ connectionString: b });
    await other.connect();
    const tables = await other.query("SELECT 1 FROM pg_tables WHERE tablename = 't'");
    assert.equal(tables.rowCount, 0);
    await other.end();
  } finally {
    await cluster.stop();
  }
  const probe = new pg.Client({ connectionString: cluster.adminUrl });
  await assert.rejects(probe.connect());
});
