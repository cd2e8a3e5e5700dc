/**
 * What a CLI command is, and the one argument-parsing helper every command uses (node:util parseArgs,
 * strict: unknown options and missing values become usage errors naming the command).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './exit.js';

export interface Command {
  /** One or two words: `init`, `user add`. */
  name: string;
  /** One line for `postyard --help`. */
  summary: string;
  /** Synopsis without the leading `postyard`, e.g. `user add EMAIL [--quota SIZE]`. */
  usage: string;
  /** Longer help: options and an example, shown by `postyard help COMMAND`. */
  help: string;
  /** Resolves with the exit code. Long-running commands (start) resolve when they stop. */
  run(args: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Options accepted by every command that opens the data directory. */
export const DATA_OPTIONS = {
  data: { type: 'string', short: 'd' },
  config: { type: 'string', short: 'c' },
} as const satisfies Options;

export const DATA_HELP = `  -d, --data DIR       data directory (default: ./data, or $POSTYARD_DATA)
  -c, --config FILE    config file (default: DIR/postyard.json)`;

/**
 * Parses `args` for `command`. `positionals` names the required positional arguments (for the error
 * message); more than `maxPositionals` (default: exactly the required ones) is a usage error.
 */
export function parseCommandArgs<O extends Options>(
  command: Pick<Command, 'name' | 'usage'>,
  args: string[],
  options: O,
  positionals: readonly string[] = [],
  maxPositionals = positionals.length,
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
  >;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(`${shortParseError(err as Error)} (usage: postyard ${command.usage})`);
  }
  if (parsed.positionals.length < positionals.length) {
    const missing = positionals.slice(parsed.positionals.length).join(' ');
    throw new UsageError(`missing ${missing} (usage: postyard ${command.usage})`);
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals.slice(maxPositionals).join(' ');
    throw new UsageError(`unexpected argument '${extra}' (usage: postyard ${command.usage})`);
  }
  return parsed;
}

/** node:util's messages are long and explain '--'; keep the part that says what is wrong. */
function shortParseError(err: Error): string {
  const unknown = /Unknown option '([^']+)'/.exec(err.message);
  if (unknown) return `unknown option '${unknown[1]}'`;
  return err.message.split('\n')[0]!.replace(/\. To specify a positional argument.*$/, '');
}
