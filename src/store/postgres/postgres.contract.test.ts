/**
 * The shared store contract on PostgreSQL: one throwaway cluster for the file, one fresh database per
 * data directory (a reopen of the same directory finds its database again, like the SQLite file), each
 * copied from a migrated template so a test does not pay for the migrations.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { postgresAvailable, startPostgres, type TestPostgres } from '../../../test/helpers/postgres.js';
import { runStoreContract } from '../contract/index.js';
import { openPostgresStore } from './index.js';

const available = postgresAvailable();
let cluster: TestPostgres | undefined;
const databases = new Map<string, Promise<string>>();

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
  runStoreContract('postgres', async (dataDir, extra) => {
    let url = databases.get(dataDir);
    if (!url) {
      url = cluster!.createDatabase({ template: 'contract_template' });
      databases.set(dataDir, url);
    }
    return openPostgresStore({ dataDir, url: await url, poolSize: 4, ...extra });
  });
});
