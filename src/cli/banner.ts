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
  ['http', 'HTTP', 'setup and admin pages, autoconfig, Autodiscover'],
  ['https', 'HTTPS', 'the same over TLS (same certificate)'],
];

/** A test message with a Date: (clients show "Jan 01" without one), for a shell (GNU or BSD date). */
export const TEST_MESSAGE =
  "printf 'Date: %s\\r\\nFrom: you@example.com\\r\\nSubject: hello\\r\\n\\r\\nIt works.\\r\\n' \"$(LC_ALL=C date '+%a, %d %b %Y %H:%M:%S %z')\"";

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
    `  ${TEST_MESSAGE} | ${cli} deliver --to you@example.com${flag}`,
  ];
  if (imap)
    lines.push(`  curl --user 'you@example.com:YOUR-PASSWORD' ${imap}INBOX -X 'STATUS INBOX (MESSAGES)'`);
  const web =
    ports.http === undefined ? null : `http://${urlHost(config.listeners.http.host)}:${ports.http}/`;
  if (web) lines.push(`Set up mail apps and devices (sign in with an account): ${web}`);
  lines.push('Stop with Ctrl-C or SIGTERM; SIGHUP reloads the config and certificate.');
  return lines.join('\n');
}

/**
 * How a client on this machine reaches the listener: `localhost` for loopback and wildcard addresses (the
 * certificate covers it, and some clients do not match IP addresses in certificates).
 */
function urlHost(host: string): string {
  if (['0.0.0.0', '::', '', '127.0.0.1', '::1'].includes(host)) return 'localhost';
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
