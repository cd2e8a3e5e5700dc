/** `postyard mailbox list|create`: an account's folders. */
import { ExistsError } from '../lib/errors.js';
import { formatSize } from '../lib/values.js';
import type { SpecialUse } from '../store/store.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { inboxFirst } from './display.js';
import { CliError, EX, UsageError } from './exit.js';
import { normalizeLogin } from './login.js';
import { checkedMailboxName, createWithParents } from './mailbox-names.js';
import { resolvePaths } from './paths.js';
import { requireAccount, withRuntime } from './runtime.js';
import { formatTable } from './table.js';

const SPECIAL_USES: readonly SpecialUse[] = [
  '\\Drafts',
  '\\Sent',
  '\\Trash',
  '\\Junk',
  '\\Archive',
  '\\All',
  '\\Flagged',
];

export const mailboxList: Command = {
  name: 'mailbox list',
  summary: "list an account's mailboxes with message counts and sizes",
  usage: 'mailbox list EMAIL',
  help: `One line per mailbox: name, special-use, messages, unseen, total size.
${DATA_HELP}

Example:
  postyard mailbox list you@example.com`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['EMAIL']);
    const login = normalizeLogin(positionals[0]!);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const account = await requireAccount(store, login);
      const rows: string[][] = [];
      for (const mailbox of inboxFirst(await store.listMailboxes(account.id))) {
        const status = await store.mailboxStatus(mailbox.id);
        rows.push([
          mailbox.name,
          mailbox.specialUse ?? '-',
          String(status.messages),
          String(status.unseen),
          formatSize(status.size),
        ]);
      }
      console.log(formatTable(['NAME', 'SPECIAL-USE', 'MESSAGES', 'UNSEEN', 'SIZE'], rows));
      return EX.OK;
    });
  },
};

export const mailboxCreate: Command = {
  name: 'mailbox create',
  summary: 'create a mailbox (and its missing parents)',
  usage: 'mailbox create EMAIL NAME [--special-use USE]',
  help: `Creates the mailbox; "/" separates hierarchy levels and missing parents are created too.

  --special-use USE    one of ${SPECIAL_USES.join(' ')} (RFC 6154)
${DATA_HELP}

Example:
  postyard mailbox create you@example.com Lists/postyard-dev`,
  async run(args) {
    const options = { ...DATA_OPTIONS, 'special-use': { type: 'string' } } as const;
    const { values, positionals } = parseCommandArgs(this, args, options, ['EMAIL', 'NAME']);
    const login = normalizeLogin(positionals[0]!);
    const name = checkedMailboxName(positionals[1]!, { forCreate: true });
    const specialUse = values['special-use'] === undefined ? null : parseSpecialUse(values['special-use']);
    return withRuntime(resolvePaths(values), async ({ store }) => {
      const account = await requireAccount(store, login);
      if (await store.getMailbox(account.id, name)) {
        throw new CliError(`mailbox ${name} already exists for ${login}`, EX.CANTCREAT);
      }
      const mailbox = await createWithParents(store, account.id, name, { specialUse }).catch(
        (err: unknown) => {
          throw err instanceof ExistsError
            ? new CliError(`mailbox ${name} already exists for ${login}`, EX.CANTCREAT)
            : err;
        },
      );
      console.log(`created mailbox ${mailbox.name} for ${login}${specialUse ? ` (${specialUse})` : ''}`);
      return EX.OK;
    });
  },
};

function parseSpecialUse(text: string): SpecialUse {
  const wanted = text.startsWith('\\') ? text : `\\${text}`;
  const match = SPECIAL_USES.find((use) => use.toLowerCase() === wanted.toLowerCase());
  if (!match) throw new UsageError(`invalid --special-use '${text}' (one of ${SPECIAL_USES.join(' ')})`);
  return match;
}
