/**
 * The connection pool and the transaction helper. Every write is one transaction on one pooled
 * connection, committed before its promise resolves (PostgreSQL's own WAL fsync at COMMIT, with the
 * server's synchronous_commit); concurrency between nodes is settled by row locks (mailbox counters,
 * quota rows) taken by the UPDATEs themselves, so no write needs SERIALIZABLE.
 */
import pg from 'pg';
import { TempError, toMailError } from '../../lib/errors.js';

// int8 (ids, ms timestamps, counters, count(*)) and numeric (sum()) as JS numbers: every value the store
// keeps is far below 2^53, and the Store types are numbers.
pg.types.setTypeParser(20, (value) => Number(value));
pg.types.setTypeParser(1700, (value) => Number(value));

/** What repositories run queries on: the pool (one-statement reads) or a transaction's client. */
export interface Sql {
  query<R extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<pg.QueryResult<R>>;
}

export async function rows<R extends pg.QueryResultRow>(
  sql: Sql,
  text: string,
  values?: unknown[],
): Promise<R[]> {
  return (await sql.query<R>(text, values)).rows;
}

export async function row<R extends pg.QueryResultRow>(
  sql: Sql,
  text: string,
  values?: unknown[],
): Promise<R | undefined> {
  return (await sql.query<R>(text, values)).rows[0];
}

export function openPool(url: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle connection the server dropped (restart, failover) must not crash the process.
  pool.on('error', () => {});
  return pool;
}

/** SQLSTATEs worth one more try: serialization failure, deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Runs `body` in one transaction and commits; any error rolls back. Deadlocks between nodes are retried
 * a few times; connection failures become TEMP, so clients retry instead of seeing an internal error.
 */
export async function transaction<T>(
  pool: pg.Pool,
  body: (client: pg.PoolClient) => Promise<T>,
  options: { readOnly?: boolean } = {},
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (err) {
      throw new TempError('Database unavailable', { cause: err });
    }
    let broken = false;
    try {
      await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const code = (err as { code?: string }).code;
      if (code && RETRYABLE.has(code) && attempt < 5) continue;
      if (code && /^(08|57P)/.test(code)) throw new TempError('Database unavailable', { cause: err });
      throw toMailError(err);
    } finally {
      client.release(broken);
    }
  }
}
