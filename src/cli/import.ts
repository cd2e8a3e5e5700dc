/**
 * `postyard import EMAIL FOLDER PATH`: copies an mbox file or a Maildir into a mailbox. Every message
 * goes through the one ingest path (size limit, CRLF, durable blob, parse once) and then store.append,
 * so imported mail is indistinguishable from delivered mail. Flags and INTERNALDATE are kept.
 */

import { MailError } from '../lib/errors.js';
import type { ingestMessage } from '../server/delivery/ingest.js';
import type { Account, Mailbox, Store } from '../store/store.js';
import { formatSize } from './args.js';
import { type Command, DATA_HELP, DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, describeError, EX, exitCodeFor } from './exit.js';
import { Progress } from './import/progress.js';
import { openSource, type SourceMessage } from './import/sources.js';
import { normalizeLogin } from './login.js';
import { checkedMailboxName, createWithParents } from './mailbox-names.js';
import { resolvePaths } from './paths.js';
import { requireAccount, withRuntime } from './runtime.js';

/** Blob writes and parsing run ahead of the in-order appends by this many messages. */
const READ_AHEAD = 8;
/** Per-message problems that skip the message; anything else (quota, disk, store) stops the import. */
const SKIPPABLE = new Set(['TOO_BIG', 'BAD_INPUT']);

export const importCommand: Command = {
  name: 'import',
  summary: 'import an mbox file or a Maildir into a mailbox',
  usage: 'import EMAIL FOLDER PATH',
  help: `Appends every message of PATH to FOLDER (created if missing), in order.
PATH is an mbox file (mboxrd/mboxo; ">From " lines are unquoted) or a Maildir directory (cur/ and new/).
Maildir flags are kept (S \\Seen, R \\Answered, F \\Flagged, T \\Deleted, D \\Draft, Dovecot keywords);
INTERNALDATE is the file's mtime (Maildir) or the From_ line's date (mbox).
Messages over limits.maxMessageSize or with a NUL in the header are skipped and reported;
going over quota stops the import. A progress bar is shown on a terminal; a summary line always.
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
      const result = await importMessages(store, account, mailbox, source.messages, {
        maxSize: config.limits.maxMessageSize,
        progress: new Progress(source.total),
      });
      const seconds = Math.max(result.ms / 1000, 0.001);
      console.log(
        `imported ${result.imported} messages (${formatSize(result.bytes)}) from ${source.kind} ${path} ` +
          `into ${login} ${mailbox.name} in ${seconds.toFixed(1)} s (${Math.round(result.imported / seconds)} msg/s)` +
          `; ${result.skipped} skipped`,
      );
      if (result.stoppedBy) {
        throw new CliError(
          `stopped after ${result.imported} messages: ${describeError(result.stoppedBy)}`,
          exitCodeFor(result.stoppedBy),
        );
      }
      return result.skipped > 0 ? EX.DATAERR : EX.OK;
    });
  },
};

async function ensureMailbox(store: Store, account: Account, name: string): Promise<Mailbox> {
  const existing = await store.getMailbox(account.id, name);
  if (existing) return existing;
  const created = await createWithParents(store, account.id, name);
  console.error(`postyard: import: created mailbox ${created.name}`);
  return created;
}

interface ImportResult {
  imported: number;
  skipped: number;
  bytes: number;
  ms: number;
  /** The error that ended the import early, if any. */
  stoppedBy: unknown;
}

type Ingested = Awaited<ReturnType<typeof ingestMessage>>;
type Settled = { message: SourceMessage; ingested?: Ingested; error?: unknown };

async function importMessages(
  store: Store,
  account: Account,
  mailbox: Mailbox,
  messages: AsyncIterable<SourceMessage>,
  options: { maxSize: number; progress: Progress },
): Promise<ImportResult> {
  // Loaded lazily with the MIME engine it pulls in; only import needs it.
  const { ingestMessage } = await import('../server/delivery/ingest.js');
  const started = Date.now();
  const result: ImportResult = { imported: 0, skipped: 0, bytes: 0, ms: 0, stoppedBy: null };
  const pending: Promise<Settled>[] = [];
  let ordinal = 0;

  // Appends strictly in source order, so UIDs follow the mbox/Maildir order.
  const appendNext = async (): Promise<boolean> => {
    const { message, ingested, error } = await pending.shift()!;
    ordinal++;
    if (error !== undefined || !ingested) {
      if (!isSkippable(error)) return stop(error);
      result.skipped++;
      console.error(`postyard: import: message ${ordinal} skipped: ${describeError(error)}`);
      return true;
    }
    try {
      await store.append({
        accountId: account.id,
        mailboxId: mailbox.id,
        blob: ingested.blob,
        meta: ingested.meta,
        flags: message.flags,
        internalDate: message.internalDate ?? dateOrNow(ingested.meta.sentDate),
      });
    } catch (err) {
      return stop(err);
    }
    result.imported++;
    result.bytes += ingested.blob.size;
    options.progress.update(message.done, result.imported, result.bytes);
    return true;
  };
  const stop = (err: unknown): boolean => {
    result.stoppedBy = err;
    return false;
  };

  try {
    for await (const message of messages) {
      pending.push(
        ingestMessage(store, message.data, { maxSize: options.maxSize }).then(
          (ingested) => ({ message, ingested }),
          (error: unknown) => ({ message, error }),
        ),
      );
      if (pending.length >= READ_AHEAD && !(await appendNext())) break;
    }
    while (pending.length && !result.stoppedBy) await appendNext();
  } catch (err) {
    // Reading the source failed (unreadable file, not an mbox): report what was done so far.
    result.stoppedBy ??= err;
  }
  options.progress.finish();
  result.ms = Date.now() - started;
  return result;
}

function isSkippable(error: unknown): boolean {
  return error instanceof MailError && SKIPPABLE.has(error.code);
}

function dateOrNow(ms: number | null): Date {
  return ms === null ? new Date() : new Date(ms);
}
