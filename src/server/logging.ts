/**
 * Where the process's log goes (issue 14): JSON lines to `log.file` (created with its directory,
 * appended, mode 0600) or to stdout when that is a pipe or a file (service managers, log shippers), and
 * readable lines (src/lib/log-format.ts) when stdout is a terminal. Level 'silent' discards everything.
 */
import { mkdirSync, writeSync } from 'node:fs';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { Config } from '../config/types.js';
import { loggerSettings } from '../lib/log.js';
import { formatLogLine } from '../lib/log-format.js';

export interface RootLoggerOptions {
  /** Readable lines instead of JSON on stdout; default: when stdout is a terminal. */
  pretty?: boolean;
}

export function createRootLogger(options: Config['log'], extra: RootLoggerOptions = {}): Logger {
  const settings = loggerSettings(options.level);
  if (options.level === 'silent') return pino({ ...settings, enabled: false });
  if (options.file) {
    mkdirSync(pathDir(options.file), { recursive: true });
    return pino(settings, pino.destination({ dest: options.file, append: true, sync: false, mode: 0o600 }));
  }
  if (extra.pretty ?? process.stdout.isTTY === true) return pino(settings, readableStdout());
  return pino(settings, pino.destination({ dest: 1, sync: false }));
}

/** A terminal shows one line per event; written synchronously so it interleaves with our own output. */
function readableStdout(): DestinationStream {
  return {
    write(line: string) {
      writeSync(1, `${formatLogLine(line)}\n`);
    },
  };
}

function pathDir(file: string): string {
  const slash = file.lastIndexOf('/');
  return slash > 0 ? file.slice(0, slash) : '.';
}
