/**
 * The one place limits live (DESIGN.md "Conventions"). Configurable limits come from `config.limits`
 * (defaults below, filled by the config loader); fixed protocol-independent bounds are constants here.
 * Pure: no I/O. Read limits through `limitsOf(config)` at the point of use so a SIGHUP reload, which
 * updates `config.limits` in place, takes effect for new commands without restarting sessions.
 */

/** The configurable limits (config key `limits`), defined here so the config imports lib, not the reverse. */
export interface LimitsConfig {
  /** Longest command line accepted (bytes, without literals). */
  maxLineLength: number;
  /** Largest message accepted by APPEND/SMTP/LMTP (bytes); advertised as APPENDLIMIT and SIZE. */
  maxMessageSize: number;
  maxConnectionsPerIp: number;
  maxConnectionsPerUser: number;
  /** Seconds. IMAP >= 1800 (RFC 9051), POP3 >= 600 (RFC 1939). */
  imapIdleTimeout: number;
  pop3IdleTimeout: number;
  smtpIdleTimeout: number;
  /** Consecutive bad commands before the connection is closed. */
  maxBadCommands: number;
  /** Distinct recipients of one SMTP/LMTP transaction (RFC 5321 4.5.3.1.8: at least 100). */
  maxRecipients: number;
  /** Failed logins for one account from one address before that address is blocked for it. */
  maxAuthFailures: number;
  /** Seconds a block lasts. */
  authBlockSeconds: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;

/** Defaults for every configurable limit; the config loader fills missing keys from here. */
export const DEFAULT_LIMITS: Readonly<LimitsConfig> = Object.freeze({
  maxLineLength: 64 * KiB,
  maxMessageSize: 50 * MiB,
  maxConnectionsPerIp: 100,
  maxConnectionsPerUser: 20,
  // RFC 9051 5.4: at least 30 minutes; RFC 1939 3: at least 10 minutes.
  imapIdleTimeout: 1800,
  pop3IdleTimeout: 600,
  // RFC 5321 4.5.3.2.7: 5 minutes for the server waiting for the next command.
  smtpIdleTimeout: 300,
  maxBadCommands: 10,
  // Postfix's smtpd_recipient_limit.
  maxRecipients: 1000,
  maxAuthFailures: 10,
  authBlockSeconds: 300,
});

/** A TLS handshake (implicit TLS or STARTTLS) must finish within this time or the socket is closed. */
export const TLS_HANDSHAKE_TIMEOUT_MS = 15_000;

/** Failed-login delay: starts here and doubles per consecutive failure, up to AUTH_MAX_DELAY_MS. */
export const AUTH_BASE_DELAY_MS = 100;
export const AUTH_MAX_DELAY_MS = 5_000;
/**
 * limits.maxAuthFailures blocks an address for one account; an address is blocked for every account after
 * this many times as many failures (credential stuffing), so that colleagues behind one NAT address who
 * mistype a few passwords are not all locked out together.
 */
export const AUTH_ADDRESS_FAILURE_FACTOR = 3;
/** How long a verified login+password stays in the auth cache, and how many entries it may hold. */
export const AUTH_CACHE_TTL_MS = 5 * 60_000;
export const AUTH_CACHE_MAX_ENTRIES = 10_000;
/** Bound on the throttle tables (IPs and logins tracked at once); the oldest entries go first. */
export const AUTH_THROTTLE_MAX_ENTRIES = 100_000;

/** Longest SASL response line (base64 of authzid\0authcid\0password stays well below this). */
export const MAX_SASL_RESPONSE_LENGTH = 16 * KiB;

/** Limits with times converted to milliseconds, as sessions and timers want them. */
export interface Limits extends LimitsConfig {
  imapIdleTimeoutMs: number;
  pop3IdleTimeoutMs: number;
  smtpIdleTimeoutMs: number;
  authBlockMs: number;
}

/** The effective limits of a config (missing values fall back to the defaults). */
export function limitsOf(config: { limits?: Partial<LimitsConfig> } | undefined): Limits {
  const l: LimitsConfig = { ...DEFAULT_LIMITS, ...config?.limits };
  return {
    ...l,
    imapIdleTimeoutMs: l.imapIdleTimeout * 1000,
    pop3IdleTimeoutMs: l.pop3IdleTimeout * 1000,
    smtpIdleTimeoutMs: l.smtpIdleTimeout * 1000,
    authBlockMs: l.authBlockSeconds * 1000,
  };
}
