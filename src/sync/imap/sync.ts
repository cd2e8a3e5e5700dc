/**
 * One IMAP run of an account: record the local changes (the offline log), connect, reconcile folders,
 * replay moves, then sync every folder both ways; folders deleted here are deleted on the server last.
 * If the server cannot be reached the local changes stay recorded and are replayed by the next run.
 */
import type { AccountConfig } from '../account.js';
import { MaildirFolder } from '../maildir/maildir.js';
import { type FaultHooks, NO_PROGRESS, type SyncProgress } from '../progress.js';
import type { SyncState } from '../state/state.js';
import { connectImap } from './connect.js';
import { deleteServerFolders, reconcileFolders } from './folder-plan.js';
import { syncFolder } from './folder-sync.js';
import { listLocalFolders, listServerFolders } from './folders.js';
import { findMoves, pendingOperations, snapshot } from './local-changes.js';
import { replayMoves } from './moves.js';
import { emptyCounts, type ImapReport } from './report.js';

export interface ImapRunOptions {
  account: AccountConfig;
  password: string;
  state: SyncState;
  progress?: SyncProgress;
  faults?: FaultHooks;
  timeoutMs?: number;
  clock?: () => number;
}

/** What the local Maildir holds that the server does not have yet, recorded without connecting. */
export async function recordLocalChanges(options: Pick<ImapRunOptions, 'account' | 'state' | 'clock'>) {
  const { account, state } = options;
  const delimiter = state.getAccount(account.name)?.server?.delimiter ?? '/';
  const local = await listLocalFolders(account.maildir, delimiter, account.folders);
  const snapshots = await snapshot(state, account.name, local);
  const knownFolders = new Set(state.imap.folders(account.name).map((f) => f.name));
  const ops = pendingOperations(snapshots, knownFolders, (options.clock ?? Date.now)());
  state.imap.setPending(account.name, ops);
  return ops;
}

export async function runImap(options: ImapRunOptions): Promise<ImapReport> {
  const { account, state } = options;
  await new MaildirFolder(account.maildir).ensure(false);
  await recordLocalChanges(options);
  const client = await connectImap(account, options.password, options.timeoutMs);
  try {
    const server = await listServerFolders(client, account.folders);
    const delimiter = [...server.values()][0]?.delimiter ?? '/';
    state.recordServer(account.name, { capabilities: [...client.capabilities.keys()], delimiter });
    const local = await listLocalFolders(account.maildir, delimiter, account.folders);
    const snapshots = await snapshot(state, account.name, local);
    const counts = emptyCounts();
    const notes: string[] = [];
    const sides = {
      client,
      state,
      account: account.name,
      root: account.maildir,
      delimiter,
      server,
      local,
      snapshots,
      counts,
      notes,
    };
    const deleteLater = await reconcileFolders(sides);

    // A move into a folder this device has not synced yet is an upload there and a deletion here.
    const syncedFolders = new Set(state.imap.folders(account.name).map((f) => f.name));
    const moves = findMoves(await snapshot(state, account.name, local)).filter(
      (m) => server.has(m.from) && server.has(m.to) && syncedFolders.has(m.to),
    );
    await replayMoves(client, state, account.name, moves, counts);
    const movedOut = new Map<string, Set<string>>();
    for (const m of moves) movedOut.set(m.from, (movedOut.get(m.from) ?? new Set()).add(m.base));

    let unchanged = 0;
    for (const [name, folder] of server) {
      const maildir = local.get(name);
      if (!maildir) continue;
      const touched = await syncFolder({
        client,
        state,
        account: account.name,
        name,
        server: folder,
        maildir,
        counts,
        notes,
        progress: options.progress ?? NO_PROGRESS,
        faults: options.faults,
        movedOut: movedOut.get(name) ?? new Set(),
      });
      if (!touched) unchanged++;
    }
    await deleteServerFolders(sides, deleteLater);
    state.imap.setPending(account.name, []);
    await client.logout();
    return { counts, notes, unchangedFolders: unchanged, folders: server.size };
  } finally {
    client.close();
  }
}
