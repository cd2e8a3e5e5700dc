/**
 * Every config key with its default and its check. Adding a key to `Config` without adding it here is a
 * type error, so the loader can never silently ignore a setting.
 */
import { hostname } from 'node:os';
import { DEFAULT_LIMITS } from '../lib/limits.js';
import { POP_DELETE_POLICIES } from '../lib/pop-delete-policy.js';
import {
  arrayOf,
  atLeast,
  boolean,
  days,
  field,
  hostOrAddress,
  httpUrl,
  integer,
  network,
  oneOf,
  type Section,
  section,
  serverAddress,
  text,
} from './schema.js';
import type { Config, LimitsConfig, ListenerConfig, OutgoingConfig } from './types.js';

/** Default ports: unprivileged, for a first run (DESIGN.md "Conventions"). */
export const DEFAULT_PORTS = {
  imap: 1143,
  imaps: 1993,
  pop3: 1110,
  pop3s: 1995,
  smtp: 2525,
  submission: 1587,
  submissions: 1465,
  lmtp: 2424,
  http: 8080,
  https: 8443,
} as const satisfies Record<keyof Config['listeners'], number>;

export const DEFAULT_HOST = '127.0.0.1';

/** Paths relative to the data directory (resolved by the loader). */
export const DEFAULT_CERT_FILE = 'tls/cert.pem';
export const DEFAULT_KEY_FILE = 'tls/key.pem';

function listener(port: number) {
  return section<ListenerConfig>({
    host: field(DEFAULT_HOST, hostOrAddress()),
    port: field(port, integer(0, 65535)),
    enabled: field(true as boolean | undefined, boolean()),
  });
}

const limits = section<LimitsConfig>({
  maxLineLength: field(DEFAULT_LIMITS.maxLineLength, integer(512, 16 * 1024 * 1024)),
  maxMessageSize: field(DEFAULT_LIMITS.maxMessageSize, integer(1024, 4 * 1024 ** 3)),
  maxConnectionsPerIp: field(DEFAULT_LIMITS.maxConnectionsPerIp, integer(1, 1_000_000)),
  maxConnectionsPerUser: field(DEFAULT_LIMITS.maxConnectionsPerUser, integer(1, 1_000_000)),
  imapIdleTimeout: field(DEFAULT_LIMITS.imapIdleTimeout, atLeast(0.01, 'seconds')),
  pop3IdleTimeout: field(DEFAULT_LIMITS.pop3IdleTimeout, atLeast(0.01, 'seconds')),
  smtpIdleTimeout: field(DEFAULT_LIMITS.smtpIdleTimeout, atLeast(0.01, 'seconds')),
  maxBadCommands: field(DEFAULT_LIMITS.maxBadCommands, integer(1, 1_000_000)),
  maxRecipients: field(DEFAULT_LIMITS.maxRecipients, integer(100, 1_000_000)),
  maxAuthFailures: field(DEFAULT_LIMITS.maxAuthFailures, integer(1, 1_000_000)),
  authBlockSeconds: field(DEFAULT_LIMITS.authBlockSeconds, atLeast(0, 'seconds')),
});

const outgoing = section<OutgoingConfig>({
  mode: field('disabled' as OutgoingConfig['mode'], oneOf(['disabled', 'smarthost', 'direct'] as const)),
  smarthost: section<OutgoingConfig['smarthost']>({
    host: field('localhost', hostOrAddress()),
    port: field(587, integer(1, 65535)),
    security: field(
      'starttls' as OutgoingConfig['smarthost']['security'],
      oneOf(['starttls', 'tls', 'none'] as const),
    ),
    username: field(undefined as string | undefined, text({ nonEmpty: true })),
    password: field(undefined as string | undefined, text()),
    verifyCertificate: field(true, boolean()),
  }),
  dnsServers: field([] as string[], arrayOf(serverAddress())),
  mxPort: field(25, integer(1, 65535)),
  ipFamily: field('any' as OutgoingConfig['ipFamily'], oneOf(['any', 'ipv4', 'ipv6'] as const)),
  requireTls: field(false, boolean()),
  maxConnections: field(100, integer(1, 10_000)),
  maxConnectionsPerDomain: field(20, integer(1, 1_000)),
  connectTimeout: field(30, atLeast(0.1, 'seconds')),
  retry: section<OutgoingConfig['retry']>({
    firstMinutes: field(5, atLeast(0.001, 'minutes')),
    maxMinutes: field(240, atLeast(0.001, 'minutes')),
    expireHours: field(120, atLeast(0.001, 'hours')),
    delayWarningHours: field(4, atLeast(0, 'hours')),
  }),
});

export const configSchema: Section<Config> = section<Config>({
  // Filled by the loader from the file's location when absent.
  dataDir: field('', text({ nonEmpty: true })),
  hostname: field(hostname() || 'localhost', hostOrAddress()),
  localDomains: field([] as string[], arrayOf(hostOrAddress())),
  store: section<Config['store']>({
    backend: field('sqlite' as 'sqlite' | 'postgres', oneOf(['sqlite', 'postgres'] as const)),
    postgresUrl: field(undefined as string | undefined, text({ nonEmpty: true })),
    // Database by default: several nodes then need no shared filesystem (README "Several nodes").
    blobs: field('postgres' as 'postgres' | 'files', oneOf(['postgres', 'files'] as const)),
  }),
  // One process until several are measured faster (BENCHMARKS.md "Workers": on 2 cores they were not).
  workers: field(1, integer(1, 256)),
  // On: RSS comes back after a mass disconnect, at the price of a pause (README "Memory after many sessions close").
  reclaimMemory: field(true, boolean()),
  listeners: section<Config['listeners']>({
    imap: listener(DEFAULT_PORTS.imap),
    imaps: listener(DEFAULT_PORTS.imaps),
    pop3: listener(DEFAULT_PORTS.pop3),
    pop3s: listener(DEFAULT_PORTS.pop3s),
    smtp: listener(DEFAULT_PORTS.smtp),
    submission: listener(DEFAULT_PORTS.submission),
    submissions: listener(DEFAULT_PORTS.submissions),
    lmtp: listener(DEFAULT_PORTS.lmtp),
    http: listener(DEFAULT_PORTS.http),
    https: listener(DEFAULT_PORTS.https),
  }),
  tls: section<Config['tls']>({
    cert: field(DEFAULT_CERT_FILE, text({ nonEmpty: true })),
    key: field(DEFAULT_KEY_FILE, text({ nonEmpty: true })),
  }),
  allowPlaintextAuth: field(false, boolean()),
  trustedNetworks: field(['127.0.0.0/8', '::1/128'], arrayOf(network())),
  limits,
  pop3: section<Config['pop3']>({
    deletePolicy: field('expunge' as Config['pop3']['deletePolicy'], oneOf(POP_DELETE_POLICIES)),
    // A download is not reading: the phone on IMAP still shows POP3-fetched mail as unread (issue 14).
    markSeenOnRetr: field(false, boolean()),
    concurrentSessions: field(
      'reject' as Config['pop3']['concurrentSessions'],
      oneOf(['reject', 'snapshot'] as const),
    ),
    uidlFormat: field('dovecot' as Config['pop3']['uidlFormat'], oneOf(['dovecot', 'uid'] as const)),
    loginDelay: field(0, integer(0, 86_400)),
  }),
  delivery: section<Config['delivery']>({
    overQuota: field(
      'temporary' as Config['delivery']['overQuota'],
      oneOf(['temporary', 'permanent'] as const),
    ),
    authenticationResults: field(true, boolean()),
  }),
  http: section<Config['http']>({
    publicUrl: field(undefined as string | undefined, httpUrl()),
    trustedProxies: field([] as string[], arrayOf(network())),
  }),
  outgoing,
  retentionDays: field(null as number | null, days(100_000)),
  maintenanceIntervalMinutes: field(60, atLeast(0.001, 'minutes')),
  log: section<Config['log']>({
    level: field(
      'info' as Config['log']['level'],
      oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    ),
    file: field(undefined as string | undefined, text({ nonEmpty: true })),
  }),
});
