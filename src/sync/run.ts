/**
 * Running one account (POP3 or IMAP) and describing the outcome in one line; the outcome is recorded
 * in the state for `sync status`. This is the library entry point the CLI and `watch` use.
 */
import type { AccountConfig } from './account.js';
import { describePolicy } from './account.js';
import type { ImapReport } from './imap/report.js';
import { runImap } from './imap/sync.js';
import { loadPassword } from './password.js';
import { type Pop3RunResult, runPop3 } from './pop3/sync.js';
import type { FaultHooks, SyncProgress } from './progress.js';
import type { SyncState } from './state/state.js';

export interface RunOptions {
  stateDir: string;
  state: SyncState;
  progress?: SyncProgress;
  clock?: () => number;
  faults?: FaultHooks;
  env?: NodeJS.ProcessEnv;
}

export interface RunOutcome {
  summary: string;
  notes: string[];
  /** True when something changed on either side. */
  changed: boolean;
}

export async function runAccount(account: AccountConfig, options: RunOptions): Promise<RunOutcome> {
  const started = performance.now();
  const password = await loadPassword(options.stateDir, account, options.env);
  const common = {
    account,
    password,
    state: options.state,
    progress: options.progress,
    clock: options.clock,
    faults: options.faults,
  };
  try {
    const outcome =
      account.protocol === 'pop3'
        ? describePop3(account, await runPop3(common))
        : describeImap(await runImap(common));
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    const summary = `${account.name}: ${outcome.summary} in ${seconds} s`;
    options.state.recordRun(account.name, summary, (options.clock ?? Date.now)());
    return { ...outcome, summary };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    options.state.recordRun(account.name, `failed: ${message.split('\n')[0]}`, (options.clock ?? Date.now)());
    throw err;
  }
}

function describePop3(account: AccountConfig, r: Pop3RunResult): RunOutcome {
  const parts = [`POP3 ${r.downloaded} downloaded (${mib(r.bytes)})`];
  parts.push(
    `${r.deleted} deleted on the server (${describePolicy(account.policy)})`,
    `${r.onServer} left there`,
  );
  return { summary: parts.join(', '), notes: r.warnings, changed: r.downloaded + r.deleted > 0 };
}

function describeImap(r: ImapReport): RunOutcome {
  const c = r.counts;
  const parts = [
    `IMAP ${r.folders} folders`,
    `${c.downloaded} downloaded (${mib(c.bytes)})`,
    `${c.uploaded} uploaded`,
  ];
  if (c.flagsToServer + c.flagsToLocal > 0)
    parts.push(`flags ${c.flagsToServer} sent, ${c.flagsToLocal} received`);
  if (c.deletedOnServer + c.deletedLocally > 0) {
    parts.push(`${c.deletedOnServer} deleted on the server, ${c.deletedLocally} here`);
  }
  if (c.moved > 0) parts.push(`${c.moved} moved`);
  if (c.restored > 0) parts.push(`${c.restored} restored`);
  const folderChanges = c.foldersCreated + c.foldersDeleted + c.foldersRenamed;
  if (folderChanges > 0) {
    parts.push(
      `folders ${c.foldersCreated} created, ${c.foldersRenamed} renamed, ${c.foldersDeleted} deleted`,
    );
  }
  const changed = Object.entries(c).some(([key, value]) => key !== 'bytes' && value > 0);
  return { summary: parts.join(', '), notes: r.notes, changed };
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
