import { describe } from 'node:test';
import { runStoreContract } from '../contract/index.js';
import { openSqliteStore } from './index.js';

// STORE=postgres runs only the other backend's suite (both run when STORE is unset).
describe('sqlite', { skip: process.env.STORE !== undefined && process.env.STORE !== 'sqlite' }, () => {
  runStoreContract('sqlite', (dataDir, extra) => openSqliteStore({ dataDir, ...extra }));
});
