/**
 * A whole Postyard server in a child process, for kill -9 and signal tests:
 *   node server-main.js DATA_DIR [OVERRIDES_JSON]
 * Writes one line `READY {"imap":1234,...}` on stdout once every listener is bound, and `RELOADED` once
 * a SIGHUP reload has been applied. Signals behave as under `postyard serve` (installSignalHandlers:
 * SIGTERM graceful exit 0, SIGHUP reload).
 */
import pino from 'pino';
import { startConfiguredServer } from '../../../src/cli/runtime.js';
import { installSignalHandlers } from '../../../src/server/server.js';
import { installTestCertificate, testConfig } from '../../helpers/server.js';

const [dataDir, overridesJson] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: server-main DATA_DIR [OVERRIDES_JSON]\n');
  process.exit(64);
}
await installTestCertificate(dataDir);
const config = testConfig(dataDir, overridesJson ? JSON.parse(overridesJson) : undefined);
// Logs (POSTYARD_TEST_LOG=debug) go to stderr, which the parent keeps for failure messages.
const log = pino({ level: config.log.level }, pino.destination(2));
const server = await startConfiguredServer(config, { log });
const reload = server.reload;
server.reload = async (next) => {
  await reload(next);
  process.stdout.write('RELOADED\n');
};
// The config is not on disk: SIGHUP re-applies it, which re-reads the certificate files.
installSignalHandlers(server, { reloadConfig: async () => config, graceMs: 5_000 });
process.stdout.write(`READY ${JSON.stringify(server.ports)}\n`);
