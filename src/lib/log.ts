/**
 * Structured logging (pino): one root logger from the config, one child per connection carrying its id.
 * Secrets are redacted by key wherever they appear (top level or one level down), so a careless
 * `log.info({ request })` cannot leak a password.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/types.js';

export type { Logger } from 'pino';

const SECRET_KEYS = [
  'password',
  'pass',
  'passwd',
  'newPassword',
  'passwordHash',
  'secret',
  'credentials',
  'authorization',
  'saslResponse',
];

/** Paths handed to pino's redaction: each secret key at top level and one level below. */
export const REDACT_PATHS: readonly string[] = SECRET_KEYS.flatMap((k) => [k, `*.${k}`]);

/**
 * The process-wide logger. Writes JSON lines to `log.file` (created with its directory, appended) or
 * to stdout. Level 'silent' discards everything (tests).
 */
export function createRootLogger(options: Config['log'], base: Record<string, unknown> = {}): Logger {
  const settings = {
    level: options.level,
    base: { ...base },
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
  };
  if (options.level === 'silent') return pino({ ...settings, enabled: false });
  if (options.file) {
    mkdirSync(dirname(options.file), { recursive: true });
    return pino(settings, pino.destination({ dest: options.file, append: true, sync: false }));
  }
  return pino(settings, pino.destination({ dest: 1, sync: false }));
}

/** A logger that discards everything (unit tests, library use without a server). */
export function silentLogger(): Logger {
  return pino({ enabled: false, level: 'silent' });
}

export interface ConnectionLogFields {
  protocol: string;
  /** The connection id from ConnectionInfo. */
  id: string;
  /** "address:port" of the peer. */
  remote: string;
}

/** Child logger bound to one connection: every line carries protocol, connection id and peer. */
export function connectionLogger(root: Logger, fields: ConnectionLogFields): Logger {
  return root.child({ protocol: fields.protocol, conn: fields.id, remote: fields.remote });
}

/** Writes out buffered log lines synchronously (call right before process exit). Never throws. */
export function flushLogger(log: Logger): void {
  try {
    const stream = (log as unknown as Record<symbol, { flushSync?: () => void } | undefined>)[
      pino.symbols.streamSym
    ];
    stream?.flushSync?.();
  } catch {
    // A destination still opening its file cannot flush synchronously; at most the last lines are lost.
  }
}
