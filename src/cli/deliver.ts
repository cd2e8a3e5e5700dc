/**
 * `postyard deliver --to ADDRESS [--data DIR] [--mailbox NAME] [--from SENDER]`: delivers one message
 * read from stdin straight into the store (an MDA for Postfix/Exim pipes, like dovecot-lda).
 * Exit codes are sysexits.h, which MTAs understand: 0 delivered, 64 usage, 65 bad message (malformed or
 * too big), 67 unknown user, 73 cannot write the store (permissions), 74 cannot read stdin,
 * 75 temporary failure including over quota (the MTA retries), 78 configuration error.
 * One line on stderr, never a stack trace.
 */
import type { MailError } from '../lib/errors.js';
import { deliverMessage } from '../server/delivery/deliver-message.js';
import type { Store } from '../store/store.js';
import { DATA_OPTIONS, parseCommandArgs } from './command.js';
import { CliError, describeError, EX } from './exit.js';
import { resolvePaths } from './paths.js';
import { loadCliConfig, openStore } from './runtime.js';

export const DELIVER_USAGE = 'deliver --to ADDRESS [--data DIR] [--mailbox NAME] [--from SENDER] < MESSAGE';

const OPTIONS = {
  ...DATA_OPTIONS,
  to: { type: 'string' },
  mailbox: { type: 'string', short: 'm' },
  from: { type: 'string', short: 'f' },
} as const;

/** Runs the command; resolves with the exit code (also set as process.exitCode). */
export async function runDeliver(args: string[]): Promise<number> {
  let code: number;
  try {
    code = await deliverFromStdin(args);
  } catch (err) {
    code = err instanceof CliError ? err.exitCode : EX.TEMPFAIL;
    process.stderr.write(`postyard deliver: ${describeError(err)}\n`);
  }
  process.exitCode = code;
  return code;
}

async function deliverFromStdin(args: string[]): Promise<number> {
  const { values } = parseCommandArgs({ name: 'deliver', usage: DELIVER_USAGE }, args, OPTIONS);
  if (!values.to) throw new CliError(`--to is required (usage: postyard ${DELIVER_USAGE})`, EX.USAGE);
  const config = await loadCliConfig(resolvePaths(values)).catch((err: unknown) => {
    throw err instanceof CliError ? err : new CliError(describeError(err), EX.CONFIG);
  });
  let store: Store;
  try {
    store = await openStore(config);
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError(`cannot open the store: ${describeError(err)}`, EX.TEMPFAIL);
  }
  // stdin streams into the store (ingest holds big messages only in bounded pieces); a read error of
  // stdin itself is still "cannot read stdin" (74), not a store failure.
  let stdinError: Error | null = null;
  const onStdinError = (err: Error): void => {
    stdinError ??= err;
  };
  process.stdin.on('error', onStdinError);
  try {
    const [outcome] = await deliverMessage(
      { store, config },
      {
        // Postfix's local(8) and pipe(8) pass the envelope sender as $SENDER when -f is not used.
        from: values.from ?? process.env.SENDER,
        recipients: [values.to],
        input: process.stdin,
        mailbox: values.mailbox,
        deliveredTo: true,
      },
    );
    if (!outcome) throw new CliError('no delivery outcome', EX.TEMPFAIL);
    if (!outcome.ok && stdinError) {
      throw new CliError(`cannot read the message from stdin: ${(stdinError as Error).message}`, EX.IOERR);
    }
    if (!outcome.ok) throw new CliError(failureText(values.to, outcome.error), exitCodeFor(outcome.error));
    return EX.OK;
  } finally {
    process.stdin.off('error', onStdinError);
    await store.close().catch(() => {});
  }
}

function exitCodeFor(error: MailError): number {
  switch (error.code) {
    case 'NOT_FOUND':
      return EX.NOUSER;
    case 'BAD_INPUT':
    case 'TOO_BIG':
      return EX.DATAERR;
    case 'INTERNAL': {
      // Permission or read-only file system problems do not fix themselves by retrying.
      const cause = (error.cause as { code?: string } | undefined)?.code;
      return cause && ['EACCES', 'EPERM', 'EROFS'].includes(cause) ? EX.CANTCREAT : EX.TEMPFAIL;
    }
    default:
      return EX.TEMPFAIL;
  }
}

function failureText(to: string, error: MailError): string {
  switch (error.code) {
    case 'NOT_FOUND':
      return `unknown user ${to}`;
    case 'OVER_QUOTA':
      return `mailbox of ${to} is over quota (temporary failure, retry later)`;
    case 'BAD_INPUT':
    case 'TOO_BIG':
      return `message refused: ${error.message}`;
    default:
      return `temporary failure: ${error.message}`;
  }
}
