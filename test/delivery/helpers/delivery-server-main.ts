/**
 * The real server (startServer) as a child process for the durability test, with only the delivery
 * listeners enabled on ephemeral loopback ports. Usage: node delivery-server-main.js DATA_DIR
 * (the caller installs the certificate first: installTestCertificate).
 * Prints one JSON line {"ports":{...}} on stdout once listening. Meant to be killed with SIGKILL.
 */
import { startConfiguredServer } from '../../../src/cli/runtime.js';
import { testConfig } from '../../helpers/server.js';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: delivery-server-main DATA_DIR\n');
  process.exit(64);
}
const off = { enabled: false };
const config = testConfig(dataDir, {
  listeners: { imap: off, imaps: off, pop3: off, pop3s: off, submission: off },
});
const server = await startConfiguredServer(config);
process.stdout.write(`${JSON.stringify({ ports: server.ports })}\n`);
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
