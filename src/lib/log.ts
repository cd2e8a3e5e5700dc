/**
 * Structured logging (pino): the settings every logger shares and one child per connection carrying
 * its id. Secrets are redacted by key wherever they appear (top level or one level down), so a careless
 * `log.info({ request })` cannot leak a password. No I/O here: src/server/logging.ts picks destinations.
 */
import pino, { type Logger } from 'pino';

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

/** Level and redaction for every logger of the process (destinations: src/server/logging.ts). */
export function loggerSettings(level: string): pino.LoggerOptions {
  return { level, base: {}, redact: { paths: [...REDACT_PATHS], censor: '[redacted]' } };
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

/** Resolves once the logger's destination is open (a file destination opens asynchronously). */
export async function loggerReady(log: Logger): Promise<void> {
  const stream = (log as unknown as Record<symbol, unknown>)[pino.symbols.streamSym] as
    | { fd?: number; once?: (event: string, listener: (err?: unknown) => void) => void }
    | undefined;
  if (!stream?.once || stream.fd === undefined || stream.fd >= 0) return;
  await new Promise<void>((resolve, reject) => {
    stream.once?.('ready', () => resolve());
    stream.once?.('error', reject);
  });
}
