/**
 * `sync watch`: run, then wait for a reason to run again — new mail or changes on the server (IMAP
 * IDLE on INBOX, RFC 2177), a change in the Maildir (a reader marked or deleted mail), or the
 * interval (POP3 polls; IMAP also catches changes in other folders). A failed run is retried with
 * backoff up to the interval; the watch only ends when `signal` aborts.
 */
import { watch as watchFiles } from 'node:fs';
import type { AccountConfig } from './account.js';
import { connectImap } from './imap/connect.js';
import { loadPassword } from './password.js';
import { type RunOptions, type RunOutcome, runAccount } from './run.js';

export interface WatchOptions extends RunOptions {
  intervalMs: number;
  signal: AbortSignal;
  onOutcome(outcome: RunOutcome | null, error: unknown): void;
}

/** Quiet time after a Maildir change before running, so a reader's burst of renames is one run. */
const SETTLE_MS = 300;
const FIRST_RETRY_MS = 5_000;

export async function watchAccount(account: AccountConfig, options: WatchOptions): Promise<void> {
  let retryMs = FIRST_RETRY_MS;
  while (!options.signal.aborted) {
    let failed = false;
    try {
      options.onOutcome(await runAccount(account, options), null);
      retryMs = FIRST_RETRY_MS;
    } catch (err) {
      failed = true;
      options.onOutcome(null, err);
    }
    if (options.signal.aborted) return;
    const wait = failed ? Math.min(retryMs, options.intervalMs) : options.intervalMs;
    if (failed) retryMs = Math.min(retryMs * 2, options.intervalMs);
    await waitForChange(account, options, wait, !failed);
  }
}

function waitForChange(account: AccountConfig, options: WatchOptions, timeoutMs: number, useServer: boolean) {
  return new Promise<void>((resolve) => {
    const cleanups: Array<() => void> = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      for (const cleanup of cleanups) cleanup();
      resolve();
    };
    const timer = setTimeout(finish, timeoutMs);
    cleanups.push(() => clearTimeout(timer));
    const onAbort = () => finish();
    options.signal.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => options.signal.removeEventListener('abort', onAbort));
    watchMaildir(account.maildir, finish, cleanups);
    if (account.protocol === 'imap' && useServer) idleOnInbox(account, options, finish, cleanups);
  });
}

function watchMaildir(root: string, wake: () => void, cleanups: Array<() => void>): void {
  let settle: NodeJS.Timeout | null = null;
  try {
    const watcher = watchFiles(root, { recursive: true }, (_event, file) => {
      if (file && /(^|\/)tmp(\/|$)/.test(String(file))) return; // deliveries in progress
      if (settle) clearTimeout(settle);
      settle = setTimeout(wake, SETTLE_MS);
    });
    watcher.on('error', () => {});
    cleanups.push(() => {
      if (settle) clearTimeout(settle);
      watcher.close();
    });
  } catch {
    // No watcher (the Maildir vanished, or the platform lacks recursive watch): the interval still runs.
  }
}

/** INBOX as just selected is what the last run recorded (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ if known), or is not synced. */
function sameAsLastRun(
  options: WatchOptions,
  account: string,
  box: { uidValidity: bigint; uidNext: number; highestModseq?: bigint },
): boolean {
  const known = options.state.imap.folders(account).find((f) => f.name === 'INBOX');
  if (!known) return true; // INBOX is not synced (--folders): nothing to compare, IDLE alone decides
  if (BigInt(known.uidValidity) !== box.uidValidity || known.uidNext !== box.uidNext) return false;
  return (
    known.highestModseq === null ||
    box.highestModseq === undefined ||
    known.highestModseq === String(box.highestModseq)
  );
}

function idleOnInbox(
  account: AccountConfig,
  options: WatchOptions,
  wake: () => void,
  cleanups: Array<() => void>,
) {
  let closed = false;
  let close = () => {
    closed = true;
  };
  cleanups.push(() => close());
  (async () => {
    const client = await connectImap(account, await loadPassword(options.stateDir, account, options.env));
    close = () => client.close();
    if (closed) return client.close();
    for (const event of ['exists', 'expunge', 'flags'] as const) client.on(event, () => wake());
    client.on('close', () => {
      if (!closed) wake(); // connection lost: run (and reconnect) rather than wait blind
    });
    const box = await client.mailboxOpen('INBOX');
    // Mail that arrived between the run's look at INBOX and this SELECT is in EXISTS already and
    // will raise no event: compare with what the run recorded, and run again at once if it moved.
    if (!sameAsLastRun(options, account.name, box)) return wake();
    await client.idle();
  })().catch(() => {
    // The next run reports the problem; until then the interval and the Maildir watch still work.
  });
}
