/**
 * The `postyard` command line: resolves the command (one or two words), runs it and turns every
 * failure into one line on stderr and a sysexits code. No stack traces unless POSTYARD_DEBUG=1.
 */

import { cert } from './cert.js';
import type { Command } from './command.js';
import { deliverCommand } from './deliver-command.js';
import { dkimGenerate, dkimShow } from './dkim.js';
import { doctor } from './doctor.js';
import { doctorDns } from './doctor-dns.js';
import { describeError, EX, exitCodeFor } from './exit.js';
import { commandHelp, groupHelp, HELP_TOPICS, overview } from './help.js';
import { importCommand } from './import.js';
import { init } from './init.js';
import { mailboxCreate, mailboxList } from './mailbox.js';
import { migrateCommand } from './migrate.js';
import { queueDelete, queueList, queueRetry, queueShow } from './queue.js';
import { quotaSet, quotaShow } from './quota.js';
import { serve, start } from './serve.js';
import { status, stop } from './status.js';
import { syncAdd, syncDel, syncRun, syncStatus, syncWatch } from './sync.js';
import { tokenCreate, tokenList, tokenRevoke } from './token.js';
import { userAdd, userDel, userList, userPasswd, userSet, userShow } from './user.js';
import { packageVersion } from './version.js';

export const COMMANDS: readonly Command[] = [
  start,
  serve,
  status,
  stop,
  init,
  doctor,
  cert,
  doctorDns,
  userAdd,
  userSet,
  userShow,
  userDel,
  userPasswd,
  userList,
  quotaSet,
  quotaShow,
  tokenCreate,
  tokenList,
  tokenRevoke,
  mailboxList,
  mailboxCreate,
  importCommand,
  deliverCommand,
  migrateCommand,
  queueList,
  queueShow,
  queueRetry,
  queueDelete,
  dkimGenerate,
  dkimShow,
  syncAdd,
  syncRun,
  syncWatch,
  syncStatus,
  syncDel,
];

export async function main(argv: string[]): Promise<void> {
  const code = await runCli(argv);
  process.exit(code);
}

/** Everything but the process exit, so it can be called in-process. */
export async function runCli(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined) {
    process.stderr.write(`${overview(COMMANDS)}\n`);
    return EX.USAGE;
  }
  if (first === '--help' || first === '-h' || (first === 'help' && rest.length === 0)) {
    console.log(overview(COMMANDS));
    return EX.OK;
  }
  if (first === '--version' || first === '-V' || first === 'version') {
    console.log(packageVersion());
    return EX.OK;
  }
  if (first === 'help') return printHelpFor(rest.join(' '));

  const group = groupHelp(first, COMMANDS);
  if (group && (rest[0] === '--help' || rest[0] === '-h')) {
    console.log(group);
    return EX.OK;
  }
  const resolved = resolveCommand(argv);
  if (!resolved) return unknownCommand(argv);
  const { command, args } = resolved;
  if (args.includes('--help') || args.includes('-h')) {
    console.log(commandHelp(command));
    return EX.OK;
  }
  try {
    return await command.run(args);
  } catch (err) {
    reportError(command.name, err);
    return exitCodeFor(err);
  }
}

function resolveCommand(argv: string[]): { command: Command; args: string[] } | null {
  const two = COMMANDS.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, args: argv.slice(2) };
  const one = COMMANDS.find((c) => c.name === argv[0]);
  return one ? { command: one, args: argv.slice(1) } : null;
}

function printHelpFor(name: string): number {
  const topic = HELP_TOPICS[name];
  if (topic) {
    console.log(topic);
    return EX.OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command) {
    console.log(commandHelp(command));
    return EX.OK;
  }
  const group = groupHelp(name, COMMANDS);
  if (group) {
    console.log(group);
    return EX.OK;
  }
  process.stderr.write(`postyard: help: unknown command '${name}' (see postyard --help)\n`);
  return EX.USAGE;
}

function unknownCommand(argv: string[]): number {
  const group = groupHelp(argv[0]!, COMMANDS);
  if (group) {
    const sub = argv[1] === undefined ? 'missing subcommand' : `unknown subcommand '${argv[1]}'`;
    process.stderr.write(`postyard: ${argv[0]}: ${sub}\n${group}\n`);
  } else {
    process.stderr.write(`postyard: unknown command '${argv[0]}' (see postyard --help)\n`);
  }
  return EX.USAGE;
}

function reportError(label: string, err: unknown): void {
  process.stderr.write(`postyard: ${label}: ${describeError(err)}\n`);
  if (process.env.POSTYARD_DEBUG === '1' && err instanceof Error && err.stack) {
    process.stderr.write(`${err.stack}\n`);
  }
}
