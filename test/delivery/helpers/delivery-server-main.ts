/**
 * A delivery-only server process for the durability test: the real SQLite store and the real
 * LMTP/SMTP listeners, nothing else. Usage: node delivery-server-main.js DATA_DIR
 * Prints one JSON line {"ports":{...}} on stdout once listening. Meant to be killed with SIGKILL.
 */
import pino from 'pino';
import { LocalBus } from '../../../src/bus/local.js';
import { defaultConfig } from '../../../src/config/config.js';
import type { ServerContext } from '../../../src/server/context.js';
import { startDeliveryListeners } from '../../../src/server/delivery/listeners.js';
import { openSqliteStore } from '../../../src/store/sqlite/index.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: delivery-server-main DATA_DIR\n');
  process.exit(64);
}
const config = defaultConfig(dataDir);
for (const listener of Object.values(config.listeners)) listener.enabled = false;
config.listeners.lmtp = { host: '127.0.0.1', port: 0, enabled: true };
config.listeners.smtp = { host: '127.0.0.1', port: 0, enabled: true };
const bus = new LocalBus();
const store = await openSqliteStore({ dataDir, bus });
const ctx: ServerContext = {
  config,
  store,
  bus,
  auth: {
    authenticate: async () => ({ ok: false, reason: 'invalid' }),
    hashPassword: async () => {
      throw new Error('not available');
    },
    invalidate: () => {},
  },
  tls: {
    context: () => {
      throw new Error('no TLS in this test server');
    },
  },
  log: pino({ level: process.env.POSTYARD_TEST_LOG ?? 'silent' }, pino.destination(2)),
  shuttingDown: () => false,
};
const listeners = await startDeliveryListeners(ctx);
process.stdout.write(`${JSON.stringify({ ports: listeners.ports })}\n`);
process.on('SIGTERM', () => {
  void listeners.close().then(async () => {
    await store.close();
    process.exit(0);
  });
});
