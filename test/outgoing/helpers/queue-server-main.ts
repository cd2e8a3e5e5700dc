/**
 * The real server as a child process for the queue's kill -9 test: submission on an ephemeral port,
 * outgoing mail direct to MX through the given DNS server and MX port.
 * Usage: node queue-server-main.js DATA_DIR DNS_ADDRESS MX_PORT (certificate installed by the caller).
 * Prints one JSON line {"ports":{...}} on stdout once listening. Meant to be killed with SIGKILL.
 */
import { startConfiguredServer } from '../../../src/cli/runtime.js';
import { testConfig } from '../../helpers/server.js';

const [dataDir, dnsAddress, mxPort] = process.argv.slice(2);
if (!dataDir || !dnsAddress || !mxPort) {
  process.stderr.write('usage: queue-server-main DATA_DIR DNS_ADDRESS MX_PORT\n');
  process.exit(64);
}
const off = { enabled: false };
const config = testConfig(dataDir, {
  localDomains: ['example.org'],
  listeners: { imap: off, imaps: off, pop3: off, pop3s: off, smtp: off, submissions: off, lmtp: off },
  outgoing: { mode: 'direct', dnsServers: [dnsAddress], mxPort: Number(mxPort) },
});
const server = await startConfiguredServer(config);
process.stdout.write(`${JSON.stringify({ ports: server.ports })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
