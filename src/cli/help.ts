/** `postyard --help` and `postyard help COMMAND`. */
import type { Command } from './command.js';
import { packageVersion } from './version.js';

const SECTIONS: ReadonlyArray<[string, readonly string[]]> = [
  ['Server', ['start', 'serve', 'status', 'stop', 'init', 'doctor', 'doctor dns', 'cert']],
  [
    'Accounts',
    [
      'user add',
      'user set',
      'user show',
      'user del',
      'user passwd',
      'user list',
      'quota set',
      'quota show',
      'token create',
      'token list',
      'token revoke',
    ],
  ],
  ['Mail', ['mailbox list', 'mailbox create', 'import', 'deliver']],
  [
    'Outgoing mail',
    ['queue list', 'queue show', 'queue retry', 'queue delete', 'dkim generate', 'dkim show'],
  ],
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
    '`postyard help setup` explains IMAP vs POP3 and the recommended setup for using both.',
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

/** `postyard help TOPIC`: explanations that are not one command's help. */
export const HELP_TOPICS: Readonly<Record<string, string>> = {
  setup: `POP3 and IMAP together: the recommended setup

When you add your address to a mail app, it asks: IMAP or POP3?
  IMAP  keeps your mail on the server. Every device sees the same folders, read/unread state and
        deletions, both ways. Right for phones, and for every device after the first.
  POP3  downloads your mail to one device, which keeps it for good, even after the server lets it go.
        One way: what you do there (read, delete, file into folders) stays on that device.

The recommended setup uses both on one mailbox:
  - the primary device (a desktop) uses POP3 and "leaves a copy on the server" for 14-30 days,
    so all of your mail ends up there for good;
  - every other device (a phone) uses IMAP and sees the recent mail and its state.

Settings (default ports; \`postyard start\` prints the ones in use):
  POP3 device   POP3, port 1995 (SSL/TLS) or 1110 (STARTTLS), full address as user name,
                "leave messages on server", "remove after 14 days"
                (Thunderbird: Server Settings; getmail6: delete_after = 14; postyard sync --leave-days 14)
  IMAP devices  IMAP, port 1993 (SSL/TLS) or 1143 (STARTTLS), full address as user name
  Sending       SMTP submission, port 1465 (SSL/TLS) or 1587 (STARTTLS), with the same login

What happens on the server:
  Reading    A POP3 download does not mark mail read (pop3.markSeenOnRetr is off), so the phone
             still shows new mail as new after the desktop fetched it.
             Per account: postyard user set you@example.com --pop-mark-seen on|off|default
  Deleting   When the POP3 device deletes its copy after N days, the account's POP3 delete policy
             decides what the IMAP devices see:
               expunge (default)  the message leaves the server: IMAP devices see the last N days
               hide               only POP3 stops seeing it: IMAP devices keep everything until
                                  it is deleted there (or the quota is full)
             postyard user set you@example.com --pop-delete hide
  Retention  Optional: the server expunges INBOX mail that arrived more than D days ago, whatever
             the devices do. A safety net for IMAP-only accounts; with a POP3 device, keep D above
             its N days, or mail may go before the desktop fetched it.
             postyard user set you@example.com --retention 30d
  Quota      Everything the server keeps counts, in every folder. With "expunge" the server holds
             about N days of INBOX; with "hide" or IMAP only it grows until mail is deleted:
             postyard user set you@example.com --quota 5G

See one account's numbers and settings: postyard user show you@example.com`,
};
