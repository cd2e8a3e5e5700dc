/**
 * The shared store contract on PostgreSQL: one throwaway cluster for the file, one fresh database per
 * data directory (a reopen of the same directory finds its database again, like the SQLite file), each
 * copied from a migrated template so a test does not pay for the migrations. The whole suite runs with
 * bodies in the database (store.blobs "postgres", the default); the blob, delivery, maintenance and
 * queue parts run again with bodies in files ("files").
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../../test/helpers/postgres.js';
import { blobContract } from '../contract/blobs.js';
import { deliveryContract } from '../contract/delivery.js';
import { type BlobTamper, DAY_MS, fileBlobTamper, type OpenStore } from '../contract/fixture.js';
import { runStoreContract } from '../contract/index.js';
import { maintenanceContract } from '../contract/maintenance.js';
import { queueContract } from '../contract/queue.js';
import { openPostgresStore, type PostgresBlobStorage } from './index.js';

// STORE=sqlite runs only the other backend's suite (both run when STORE is unset).
const wanted = process.env.STORE === undefined || process.env.STORE === 'postgres';
const available = wanted && postgresAvailable();
let cluster: TestPostgres | undefined;
const databases = new Map<string, Promise<string>>();

function databaseOf(dataDir: string): Promise<string> {
  let url = databases.get(dataDir);
  if (!url) {
    url = cluster!.createDatabase({ template: 'contract_template' });
    databases.set(dataDir, url);
  }
  return url;
}

function opener(blobs: PostgresBlobStorage): OpenStore {
  return async (dataDir, extra) =>
    openPostgresStore({ dataDir, url: await databaseOf(dataDir), poolSize: 4, blobs, ...extra });
}

/** One statement on the data directory's database, behind the store's back. */
async function onDatabase(dataDir: string, text: string, values: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: await databaseOf(dataDir) });
  await client.connect();
  try {
    await client.query(text, values);
  } finally {
    await client.end();
  }
}

/** Database blobs age by their written_at and are lost with their chunks; files as before. */
const databaseBlobTamper: BlobTamper = {
  async age(dataDir, id) {
    await onDatabase(dataDir, 'UPDATE blobs SET written_at = written_at - $2 WHERE id = $1', [id, DAY_MS]);
    await fileBlobTamper.age(dataDir, id);
  },
  async lose(dataDir, id) {
    await onDatabase(
      dataDir,
      'WITH gone AS (DELETE FROM blobs WHERE id = $1) DELETE FROM blob_chunks WHERE blob_id = $1',
      [id],
    );
  },
};

describe('postgres', { skip: !available }, () => {
  before(async () => {
    cluster = await startPostgres();
    const template = await cluster.createDatabase({ name: 'contract_template' });
    const store = await openPostgresStore({
      dataDir: await mkdtemp(join(tmpdir(), 'postyard-pg-template-')),
      url: template,
    });
    await store.close();
  });
  after(async () => {
    await cluster?.stop();
  });
  runStoreContract('postgres', opener('postgres'), databaseBlobTamper);
  describe('store contract: postgres with file blobs', () => {
    const open = opener('files');
    blobContract(open);
    deliveryContract(open);
    maintenanceContract(open);
    queueContract(open);
  });
});
