import { runStoreContract } from '../contract/index.js';
import { openSqliteStore } from './index.js';

runStoreContract('sqlite', (dataDir, extra) => openSqliteStore({ dataDir, ...extra }));
