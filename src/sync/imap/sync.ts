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
  return (
    await readLocalSide(options, options.state.getAccount(options.account.name)?.server?.delimiter ?? '/')
  ).ops;
}

/** One scan of the Maildir and one read of the state per run, shared by every step below. */
async function readLocalSide(
  options: Pick<ImapRunOptions, 'account' | 'state' | 'clock'>,
  delimiter: string,
) {
  const { account, state } = options;
  const local = await listLocalFolders(account.maildir, delimiter, account.folders);
  const snapshots = await snapshot(state, account.name, local);
  const knownFolders = new Set(state.imap.folders(account.name).map((f) => f.name));
  const ops = pendingOperations(snapshots, knownFolders, (options.clock ?? Date.now)());
  state.imap.setPending(account.name, ops);
  return { local, snapshots, ops };
}

export async function runImap(options: ImapRunOptions): Promise<ImapReport> {
  const { account, state } = options;
  await new MaildirFolder(account.maildir).ensure(false);
  const knownDelimiter = state.getAccount(account.name)?.server?.delimiter ?? '/';
  let localSide = await readLocalSide(options, knownDelimiter);
  const client = await connectImap(account, options.password, options.timeoutMs);
  try {
    const server = await listServerFolders(client, account.folders);
    const delimiter = [...server.values()][0]?.delimiter ?? '/';
    state.recordServer(account.name, { capabilities: [...client.capabilities.keys()], delimiter });
    if (delimiter !== knownDelimiter) localSide = await readLocalSide(options, delimiter);
    const { local, snapshots } = localSide;
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
    const knownBefore = new Set(state.imap.folders(account.name).map((f) => f.name));
    const deleteLater = await reconcileFolders(sides);

    // A move into a folder this device has not synced yet is an upload there and a deletion here.
    const syncedFolders = new Set(state.imap.folders(account.name).map((f) => f.name));
    const moves = findMoves(snapshots).filter(
      (m) => server.has(m.from) && server.has(m.to) && syncedFolders.has(m.to),
    );
    await replayMoves(client, state, account.name, moves, counts);
    const movedOut = new Map<string, Set<string>>();
    const touched = new Set<string>();
    for (const m of moves) {
      movedOut.set(m.from, (movedOut.get(m.from) ?? new Set()).add(m.base));
      touched.add(m.from).add(m.to);
    }

    let unchanged = 0;
    for (const [name, folder] of server) {
      const maildir = local.get(name);
      if (!maildir) continue;
      // Folders that folder or move steps changed are read again; the others use the run's snapshot.
      const snap = snapshots.get(name);
      const fresh =
        snap && !touched.has(name) && knownBefore.has(name) && syncedFolders.has(name) && snap.exists;
      const changed = await syncFolder({
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
        snapshot: fresh ? snap : undefined,
      });
      if (!changed) unchanged++;
    }
    await deleteServerFolders(sides, deleteLater);
    state.imap.setPending(account.name, []);
    await client.logout();
    return { counts, notes, unchangedFolders: unchanged, folders: server.size };
  } finally {
    client.close();
  }
}
