/**
 * The shared store contract on PostgreSQL: one throwaway cluster for the file, one fresh database per
 * data directory (a reopen of the same directory finds its database again, like the SQLite file).
 */
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
  });
  after(async () => {
    await cluster?.stop();
  });
  runStoreContract('postgres', async (dataDir, extra) => {
    let url = databases.get(dataDir);
    if (!url) {
      url = cluster!.createDatabase();
      databases.set(dataDir, url);
    }
    return openPostgresStore({ dataDir, url: await url, poolSize: 4, ...extra });
  });
});
