/** `postyard --help` and `postyard help COMMAND`. */
import type { Command } from './command.js';
import { packageVersion } from './version.js';

const SECTIONS: ReadonlyArray<[string, readonly string[]]> = [
  ['Server', ['start', 'serve', 'init', 'doctor']],
  ['Accounts', ['user add', 'user del', 'user passwd', 'user list', 'quota set', 'quota show']],
  ['Mail', ['mailbox list', 'mailbox create', 'import', 'deliver']],
  ['Devices', ['sync add', 'sync run', 'sync watch', 'sync status', 'sync del']],
];

export function overview(commands: readonly Command[]): string {
  const byName = new Map(commands.map((c) => [c.name, c]));
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  const lines = [
    `Postyard ${packageVersion()}: an IMAP/POP3 mail server with SMTP/LMTP delivery`,
    '',
    'Usage: postyard COMMAND [options]',
  ];
  for (const [title, names] of SECTIONS) {
    lines.push('', `${title}:`);
    for (const name of names) {
      const command = byName.get(name);
      if (command) lines.push(`  ${name.padEnd(width)}${command.summary}`);
    }
  }
  lines.push(
    '',
    'Every command takes --data DIR (default ./data, or $POSTYARD_DATA) and --config FILE.',
    'Run `postyard help COMMAND` for its options and an example; `postyard --version` for the version.',
    'Errors are one line on stderr with a sysexits code; POSTYARD_DEBUG=1 adds the stack trace.',
  );
  return lines.join('\n');
}

export function commandHelp(command: Command): string {
  return `Usage: postyard ${command.usage}\n\n${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.\n\n${command.help}`;
}

/** Help for a group word (`user`): its subcommands. */
export function groupHelp(group: string, commands: readonly Command[]): string | null {
  const members = commands.filter((c) => c.name.startsWith(`${group} `));
  if (members.length === 0) return null;
  const lines = ['Usage:'];
  for (const c of members) lines.push(`  postyard ${c.usage}`, `      ${c.summary}`);
  lines.push('', `Run \`postyard help ${group} SUBCOMMAND\` for options and an example.`);
  return lines.join('\n');
}
