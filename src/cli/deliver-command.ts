/** `postyard deliver`: the registry entry; the command itself is src/cli/deliver.ts (delivery engine). */
import type { Command } from './command.js';
import { DATA_HELP } from './command.js';

export const deliverCommand: Command = {
  name: 'deliver',
  summary: 'deliver one message from stdin (MDA for Postfix/Exim pipes)',
  usage: 'deliver --to ADDRESS [--mailbox NAME] [--from SENDER] < MESSAGE',
  help: `Reads one message on stdin and stores it for ADDRESS, like dovecot-lda.
Exit codes (sysexits): 0 delivered, 64 usage, 65 bad or too big message, 67 unknown user,
73 cannot write the store, 74 cannot read stdin, 75 temporary failure (incl. over quota), 78 config.

  --to ADDRESS         recipient (required)
  -m, --mailbox NAME   deliver into this mailbox instead of INBOX
  -f, --from SENDER    envelope sender
${DATA_HELP}

Example:
  postyard deliver --to you@example.com < message.eml`,
  // Loaded on use: the delivery engine pulls in the MIME parser, which other commands do not need.
  run: async (args) => (await import('./deliver.js')).runDeliver(args),
};
