/** The several-node backend: PostgreSQL metadata (pg), message bodies in the database or in shared files. */
export {
  openPostgresStore,
  type PostgresBlobStorage,
  PostgresStore,
  type PostgresStoreOptions,
} from './postgres-store.js';
