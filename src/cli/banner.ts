/** What `start` prints once every listener is up: where things are, the ports, and the next steps. */

import { listenerEnabled } from '../config/config.js';
import type { Config } from '../config/types.js';
import { cliCommand } from './invocation.js';
import { type DataPaths, dataFlag } from './paths.js';
import { formatTable } from './table.js';
import { packageVersion } from './version.js';

type ListenerName = keyof Config['listeners'];

const LISTENERS: ReadonlyArray<[ListenerName, string, string]> = [
  ['imap', 'IMAP', 'STARTTLS'],
  ['imaps', 'IMAPS', 'implicit TLS'],
  ['pop3', 'POP3', 'STLS'],
  ['pop3s', 'POP3S', 'implicit TLS'],
  ['smtp', 'SMTP', 'STARTTLS; inbound mail for local domains'],
  ['submission', 'Submission', 'STARTTLS + AUTH; outgoing mail (see below)'],
  ['submissions', 'Submissions', 'implicit TLS + AUTH (RFC 8314)'],
  ['lmtp', 'LMTP', 'local delivery from an MTA'],
];

export function startupBanner(paths: DataPaths, config: Config, ports: Record<string, number>): string {
  const rows = LISTENERS.map(([name, label, note]) => {
    const listener = config.listeners[name];
    if (!listenerEnabled(listener)) return [label, 'disabled', `listeners.${name}.enabled is false`];
    const port = ports[name];
    if (port === undefined) return [label, 'not started', 'not available in this version'];
    return [label, `${listener.host}:${port}`, note];
  });
  const flag = dataFlag(paths);
  const cli = cliCommand();
  const imap =
    ports.imap === undefined ? null : `imap://${urlHost(config.listeners.imap.host)}:${ports.imap}/`;
  const lines = [
    `Postyard ${packageVersion()} is running (pid ${process.pid})`,
    `  data dir:    ${config.dataDir}`,
    `  config:      ${paths.configFile}`,
    `  certificate: ${config.tls.cert}`,
    `  outgoing:    ${outgoingSummary(config)}`,
    '',
    formatTable(['PROTOCOL', 'LISTENING ON', 'NOTES'], rows)
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
    '',
    'Add a user (in another terminal):',
    `  ${cli} user add you@example.com${flag}`,
    'Deliver a test message and check that it arrived:',
    `  printf 'Subject: hello\\r\\n\\r\\nIt works.\\r\\n' | ${cli} deliver --to you@example.com${flag}`,
  ];
  if (imap)
    lines.push(`  curl --user 'you@example.com:YOUR-PASSWORD' ${imap}INBOX -X 'STATUS INBOX (MESSAGES)'`);
  lines.push('Stop with Ctrl-C or SIGTERM; SIGHUP reloads the config and certificate.');
  return lines.join('\n');
}

/** Connecting to the wildcard address means connecting to this machine. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** Where mail to other domains goes (issue 16): the banner says so, so nobody is surprised either way. */
export function outgoingSummary(config: Config): string {
  const out = config.outgoing;
  if (out.mode === 'smarthost')
    return `via smarthost ${out.smarthost.host}:${out.smarthost.port} (${out.smarthost.security})`;
  if (out.mode === 'direct') return `direct to each domain's MX (port ${out.mxPort})`;
  return 'disabled: submission delivers to local accounts only (set outgoing.mode to send to the world)';
}
