/**
 * `postyard import EMAIL FOLDER PATH`: copies an mbox file or a Maildir into a mailbox, through the same
 * ingest path as delivery (import/importer.ts), so imported mail is indistinguishable from delivered mail.
 */

import { formatSize } from '../lib/values.js';
import type { Account, Mailbox, Store } from '../store/store.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, describeError, EX, exitCodeFor } from './exit.js';
import { importMessages } from './import/importer.js';
import { Progress } from './import/progress.js';
import { openSource } from './import/sources.js';
import { normalizeLogin } from './login.js';
import { checkedMailboxName, createWithParents } from './mailbox-names.js';
import { resolvePaths } from './paths.js';
import { requireAccount, withRuntime } from './runtime.js';

export const importCommand: Command = {
  name: 'import',
  summary: 'import an mbox file or a Maildir into a mailbox',
  usage: 'import EMAIL FOLDER PATH',
  help: `Appends every message of PATH to FOLDER (created if missing), in order.
PATH is an mbox file (mboxrd/mboxo; ">From " lines are unquoted) or a Maildir directory (cur/ and new/).
Maildir flags are kept (S \\Seen, R \\Answered, F \\Flagged, T \\Deleted, D \\Draft, Dovecot keywords);
INTERNALDATE is the file's mtime (Maildir) or the From_ line's date (mbox).
Messages over limits.maxMessageSize or with a NUL in the header are not imported and are reported;
going over quota stops the import. A progress bar is shown on a terminal; a summary line always.
Resumable: running the same import again (after a stop, Ctrl-C or a crash) skips every message whose
exact bytes are already in FOLDER and adds only the rest; nothing is ever imported twice.
With retention set for the account, mail imported into INBOX is expunged that many days after the
import (retention counts from arrival); import into another folder to keep it.
${DATA_HELP}

Examples:
  postyard import you@example.com INBOX ~/mail/inbox.mbox
  postyard import you@example.com Archive/2023 ~/Maildir/.Archive`,
  async run(args) {
    const { values, positionals } = parseCommandArgs(this, args, DATA_OPTIONS, ['EMAIL', 'FOLDER', 'PATH']);
    const [email, folder, path] = positionals as [string, string, string];
    const login = normalizeLogin(email);
    const mailboxName = checkedMailboxName(folder);
    return withRuntime(resolvePaths(values), async ({ store, config }) => {
      const account = await requireAccount(store, login);
      const source = await openSource(path);
      const mailbox = await ensureMailbox(store, account, mailboxName);
      warnAboutRetention(account, mailbox);
      const target = { accountId: account.id, mailboxId: mailbox.id };
      // Ctrl-C finishes the batch in hand (committed, so a rerun skips it) and prints the summary.
      let interrupted: Error | null = null;
      const onInterrupt = () => {
        interrupted = new CliError('interrupted (Ctrl-C)', EX_INTERRUPTED);
      };
      process.once('SIGINT', onInterrupt);
      let result: Awaited<ReturnType<typeof importMessages>>;
      try {
        result = await importMessages(store, target, source.messages, {
          maxSize: config.limits.maxMessageSize,
          progress: new Progress(source.total),
          shouldStop: () => interrupted,
        });
      } finally {
        process.off('SIGINT', onInterrupt);
      }
      const seconds = Math.max(result.ms / 1000, 0.001);
      console.log(
        `imported ${result.imported} messages (${formatSize(result.bytes)}) from ${source.kind} ${path} ` +
          `into ${login} ${mailbox.name} in ${seconds.toFixed(1)} s (${Math.round(result.imported / seconds)} msg/s); ` +
          `${result.alreadyThere} already there, ${result.failed} failed`,
      );
      if (result.stoppedBy) {
        throw new CliError(
          `stopped after ${result.imported} messages: ${describeError(result.stoppedBy)}; ` +
            'run the same command again to import the rest (what is there is skipped)',
          exitCodeFor(result.stoppedBy),
        );
      }
      return result.failed > 0 ? EX.DATAERR : EX.OK;
    });
  },
};

/** Exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it). */
const EX_INTERRUPTED = 130;

/** Retention applies to INBOX from the day a message arrives: imported mail included. */
function warnAboutRetention(account: Account, mailbox: Mailbox): void {
  if (account.retentionDays === null || mailbox.name !== 'INBOX') return;
  const until = new Date(Date.now() + account.retentionDays * 86_400_000).toISOString().slice(0, 10);
  console.error(
    `postyard: import: warning: ${account.login} has a retention of ${account.retentionDays} days: mail ` +
      `imported into INBOX now is expunged on ${until}; import into another folder (e.g. Archive) to keep it`,
  );
}

async function ensureMailbox(store: Store, account: Account, name: string): Promise<Mailbox> {
  const existing = await store.getMailbox(account.id, name);
  if (existing) return existing;
  const created = await createWithParents(store, account.id, name);
  console.error(`postyard: import: created mailbox ${created.name}`);
  return created;
}
