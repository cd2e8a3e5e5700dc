/**
 * A server in a child process, for signal tests:
 * `node serve-child.js DATADIR [OVERRIDES_JSON] [USERS_JSON: [[login, password], ...]]`.
 * Prints one line `READY {"imap":1234,...}` on stdout once listening, and `RELOADED` after each SIGHUP
 * reload has been applied; exits with the signal handler's code.
 */
import { startConfiguredServer } from '../../src/cli/runtime.js';
import { installSignalHandlers } from '../../src/server/server.js';
import { installTestCertificate, testConfig } from '../helpers/server.js';

const [dataDir, overridesJson, usersJson] = process.argv.slice(2);
if (!dataDir) throw new Error('usage: serve-child DATADIR [OVERRIDES_JSON]');
await installTestCertificate(dataDir);
const config = testConfig(dataDir, overridesJson ? JSON.parse(overridesJson) : undefined);
const server = await startConfiguredServer(config);
for (const [login, password] of JSON.parse(usersJson ?? '[]') as [string, string][]) {
  await server.ctx.store.createAccount(login, await server.ctx.auth.hashPassword(password));
}
const reload = server.reload;
server.reload = async (next) => {
  await reload(next);
  process.stdout.write('RELOADED\n');
};
// The test config is not on disk: SIGHUP re-applies it, which re-reads the certificate files.
installSignalHandlers(server, { reloadConfig: async () => config });
process.stdout.write(`READY ${JSON.stringify(server.ports)}\n`);
