/** The several-node backend: PostgreSQL metadata (pg) plus the content-addressed file blob store. */
export { openPostgresStore, PostgresStore, type PostgresStoreOptions } from './postgres-store.js';
