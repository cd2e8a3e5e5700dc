/** `postyard init`: the first-run set-up, explicitly (start does it by itself on an empty data dir). */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/types.js';
import { type Command, parseCommandArgs } from './command.js';
import { EX } from './exit.js';
import { cliCommand } from './invocation.js';
import { type DataPaths, dataFlag, resolvePaths } from './paths.js';
import { SETUP_HELP, SETUP_OPTIONS, type SetupResult, setUp } from './setup.js';

export const init: Command = {
  name: 'init',
  summary: 'create the data directory, config file and a self-signed certificate',
  usage: 'init [--data DIR] [--hostname NAME] [--bind ADDRESS] [--port NAME=PORT]... [--force]',
  help: `Creates DIR (default ./data) with postyard.json (every setting spelled out with its default),
a self-signed TLS certificate under DIR/tls/ and the SQLite store. Refuses to overwrite an existing
config unless --force (the store and its mail are never touched).

  -d, --data DIR       data directory (default: ./data, or $POSTYARD_DATA)
${SETUP_HELP}
  --force              overwrite an existing config and certificate

Examples:
  postyard init
  postyard init --data /var/lib/postyard --hostname mail.example.com --bind 0.0.0.0 --port imap=143`,
  async run(args) {
    const options = {
      data: { type: 'string', short: 'd' },
      force: { type: 'boolean' },
      ...SETUP_OPTIONS,
    } as const;
    const { values } = parseCommandArgs(this, args, options);
    const paths = resolvePaths(values);
    const result = await setUp(paths, { ...values, ports: values.port });
    printSetup(paths, result);
    console.log(`\nStart the server:  ${cliCommand()} start${dataFlag(paths)}`);
    console.log(`Add a user:        ${cliCommand()} user add you@example.com${dataFlag(paths)}`);
    return EX.OK;
  },
};

export function printSetup(paths: DataPaths, { config, certificateCreated }: SetupResult): void {
  console.log(`created ${paths.configFile}`);
  const verb = certificateCreated ? 'created self-signed certificate' : 'kept certificate';
  console.log(`${verb} ${config.tls.cert} (${certificateSummary(config)})`);
  console.log(`store: SQLite in ${config.dataDir}`);
}

function certificateSummary(config: Config): string {
  try {
    const cert = new X509Certificate(readFileSync(config.tls.cert));
    return `for ${config.hostname}, valid until ${new Date(cert.validTo).toISOString().slice(0, 10)}`;
  } catch {
    return 'unreadable';
  }
}
