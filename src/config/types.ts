/**
 * The validated configuration (one file, `postyard.json` in the data directory by default).
 * The loader in config.ts fills defaults and rejects unknown keys with a message naming the key.
 */
import type { LimitsConfig } from '../lib/limits.js';
import type { PopDeletePolicy } from '../lib/pop-delete-policy.js';

export type { LimitsConfig };

export interface ListenerConfig {
  /** Host/address to bind, e.g. "127.0.0.1" or "0.0.0.0". */
  host: string;
  /** TCP port; 0 binds any free port (tests read the bound port from the running server). */
  port: number;
  /** false disables the listener (the loader always fills it; absent means enabled). */
  enabled?: boolean;
}

export interface TlsConfig {
  /** PEM files: certificate chain and private key. Generated self-signed at `init`. */
  cert: string;
  key: string;
}

/** How mail for recipients outside localDomains leaves (issue 16); see src/server/outgoing. */
export interface OutgoingConfig {
  /** 'disabled': submission takes local recipients only; 'smarthost': all via one relay; 'direct': MX. */
  mode: 'disabled' | 'smarthost' | 'direct';
  smarthost: {
    host: string;
    port: number;
    /** 'starttls' (required), 'tls' (implicit, port 465) or 'none' (loopback relays only). */
    security: 'starttls' | 'tls' | 'none';
    username?: string;
    password?: string;
    /** Whether the relay's certificate must be valid for `host`. */
    verifyCertificate: boolean;
  };
  /** DNS servers for MX/A/AAAA lookups ("192.0.2.53" or "127.0.0.1:5353"); empty = the system's. */
  dnsServers: string[];
  /** TCP port of remote MX hosts: 25, except in tests (which run MX hosts on loopback ports). */
  mxPort: number;
  /** Address families tried for MX hosts. */
  ipFamily: 'any' | 'ipv4' | 'ipv6';
  /** Direct delivery: defer instead of sending in plaintext when an MX offers no STARTTLS. */
  requireTls: boolean;
  /** Concurrent outgoing connections in all, and to one destination (domain or smarthost). */
  maxConnections: number;
  maxConnectionsPerDomain: number;
  /** Seconds to wait for a connection, a greeting, or a reply. */
  connectTimeout: number;
  retry: {
    /** First retry after this many minutes; each later one waits twice as long, up to maxMinutes. */
    firstMinutes: number;
    maxMinutes: number;
    /** A recipient still undelivered after this many hours bounces (Postfix: 5 days). */
    expireHours: number;
    /** After this many hours the sender gets a delay warning once; 0 = never. */
    delayWarningHours: number;
  };
}

export interface Config {
  /** Absolute path of the data directory (store, blobs, certificates). */
  dataDir: string;
  /** Host name used in greetings and Received headers. */
  hostname: string;
  /** Mail domains delivered locally by SMTP; empty = any domain of an existing account. */
  localDomains: string[];
  store: {
    backend: 'sqlite' | 'postgres';
    postgresUrl?: string;
    /**
     * With the postgres backend, where message bodies go: "postgres" (default; in the database, so nodes
     * share nothing but it) or "files" (under dataDir, which every node must then share). Ignored by sqlite.
     */
    blobs: 'postgres' | 'files';
  };
  /**
   * Processes `serve` runs (issue 15): 1 = one process, as before; more = a primary that forks this many
   * workers sharing the listeners and the store (src/server/cluster/README.md). Default: 1 (one process; BENCHMARKS.md "Workers").
   */
  workers: number;
  /**
   * After the open connections fell or rose by hundreds, give freed memory back to the system: two full V8 GCs
   * 6 s apart and glibc's malloc_trim (src/server/net/memory-reclaimer.ts), at least 10 s apart. Each can
   * pause the event loop for a second or more under load; off keeps the memory for the next sessions.
   */
  reclaimMemory: boolean;
  listeners: {
    imap: ListenerConfig;
    imaps: ListenerConfig;
    pop3: ListenerConfig;
    pop3s: ListenerConfig;
    smtp: ListenerConfig;
    submission: ListenerConfig;
    /** Submission over implicit TLS (RFC 8314, port 465 style). */
    submissions: ListenerConfig;
    lmtp: ListenerConfig;
    /** The setup and admin pages, autoconfig and Autodiscover (src/http); `https` uses tls.cert. */
    http: ListenerConfig;
    https: ListenerConfig;
  };
  tls: TlsConfig;
  /** Allow plaintext USER/PASS/LOGIN/AUTH on connections that are neither TLS nor loopback. */
  allowPlaintextAuth: boolean;
  /** Addresses treated as local (plaintext auth allowed); defaults to loopback. */
  trustedNetworks: string[];
  limits: LimitsConfig;
  pop3: {
    /** DELE policy default; per-user override in the account. */
    deletePolicy: PopDeletePolicy;
    /** Set \Seen when a message is RETRieved. */
    markSeenOnRetr: boolean;
    /** 'reject' = second session gets -ERR [IN-USE]; 'snapshot' = both sessions work on snapshots. */
    concurrentSessions: 'reject' | 'snapshot';
    /** UIDL format: 'dovecot' = %08Xu%08Xv (UID, UIDVALIDITY hex) like Dovecot's default; 'uid' = decimal UID. */
    uidlFormat: 'dovecot' | 'uid';
    /** Minimum seconds between logins advertised as LOGIN-DELAY (0 = none). */
    loginDelay: number;
  };
  delivery: {
    /** SMTP reply for over-quota: temporary 452 4.2.2 (default) or permanent 552 5.2.2. */
    overQuota: 'temporary' | 'permanent';
    /** Inbound SMTP: check SPF, DKIM and DMARC and add Authentication-Results (nothing is refused on it). */
    authenticationResults: boolean;
  };
  http: {
    /** Where people and phones reach the pages (links, QR codes), e.g. "https://mail.example.com". */
    publicUrl?: string;
    /** Reverse proxies whose X-Forwarded-For/-Proto/-Host headers are believed. */
    trustedProxies: string[];
  };
  outgoing: OutgoingConfig;
  /** Default retention for new accounts in days (null = forever); per-user override in the account. */
  retentionDays: number | null;
  /** Minutes between retention/garbage-collection runs. */
  maintenanceIntervalMinutes: number;
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'; file?: string };
}
