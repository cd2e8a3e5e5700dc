/**
 * Local changes not yet on the server, read from the Maildir against the state (the offline operation
 * log: it is what `sync status` lists, what a run that cannot reach the server records, and what the
 * next run replays). Also finds messages moved between folders (same unique base, new folder).
 */
import type { LocalMessage, MaildirFolder } from '../maildir/maildir.js';
import type { MessageRecord, PendingOperation } from '../state/imap-state.js';
import type { SyncState } from '../state/state.js';
import { flagDelta, sameFlags } from './merge.js';

export interface FolderSnapshot {
  name: string;
  /** False when the folder's directory is gone (deleted locally, or new on the server). */
  exists: boolean;
  /**
   * True when there is no local change in this folder: the directories are unchanged since they last
   * matched the state (their stamp), or were read and match it. Then records and local are empty.
   */
  stable: boolean;
  /** The directories' stamp taken before they were read (null when not read, or missing). */
  stamp: { stamp: string; newestMs: number } | null;
  records: Map<string, MessageRecord>;
  local: Map<string, LocalMessage>;
}

export interface LocalMove {
  base: string;
  from: string;
  to: string;
  record: MessageRecord;
}

export async function snapshot(
  state: SyncState,
  account: string,
  folders: ReadonlyMap<string, MaildirFolder>,
) {
  const snapshots = new Map<string, FolderSnapshot>();
  const known = new Map(state.imap.folders(account).map((f) => [f.name, f]));
  for (const name of new Set([...folders.keys(), ...known.keys()])) {
    const folder = folders.get(name);
    const stamp = folder ? await folder.stamp() : null;
    const stored = known.get(name)?.localStamp;
    if (stamp && stored && stamp.stamp === stored) {
      snapshots.set(name, {
        name,
        exists: true,
        stable: true,
        stamp: null,
        records: new Map(),
        local: new Map(),
      });
      continue;
    }
    const local = folder ? await folder.scan() : new Map<string, LocalMessage>();
    if (folder && known.has(name) && state.imap.matchesLocal(account, name, local)) {
      snapshots.set(name, { name, exists: true, stable: true, stamp, records: new Map(), local: new Map() });
      continue;
    }
    snapshots.set(name, {
      name,
      exists: folder !== undefined,
      stable: false,
      stamp,
      records: state.imap.messages(account, name),
      local,
    });
  }
  return snapshots;
}

/** A base that left one folder's files and appeared, unknown, in another's is a move. */
export function findMoves(snapshots: ReadonlyMap<string, FolderSnapshot>): LocalMove[] {
  const arrivals = new Map<string, string>();
  for (const s of snapshots.values()) {
    for (const base of s.local.keys()) if (!s.records.has(base)) arrivals.set(base, s.name);
  }
  const moves: LocalMove[] = [];
  for (const s of snapshots.values()) {
    for (const record of s.records.values()) {
      const to = arrivals.get(record.base);
      if (to && to !== s.name && record.uid !== null && !s.local.has(record.base)) {
        moves.push({ base: record.base, from: s.name, to, record });
      }
    }
  }
  return moves;
}

/** The pending operations, in the order a run replays them. */
export function pendingOperations(
  snapshots: ReadonlyMap<string, FolderSnapshot>,
  knownFolders: ReadonlySet<string>,
  now: number,
): PendingOperation[] {
  const ops: PendingOperation[] = [];
  const add = (folder: string, kind: string, detail: string) =>
    ops.push({ folder, kind, detail, createdAt: now });
  const moves = findMoves(snapshots);
  const moved = new Set(moves.map((m) => m.base));
  for (const s of snapshots.values()) {
    if (!knownFolders.has(s.name)) add(s.name, 'create-folder', s.name);
    else if (!s.exists) add(s.name, 'delete-folder', s.name);
  }
  for (const m of moves) add(m.from, 'move', `UID ${m.record.uid} to ${m.to}`);
  for (const s of snapshots.values()) {
    for (const file of s.local.values()) {
      if (!s.records.has(file.base) && !moved.has(file.base)) add(s.name, 'append', describe(file));
    }
  }
  for (const s of snapshots.values()) {
    for (const record of s.records.values()) {
      const file = s.local.get(record.base);
      if (!file || record.uid === null || sameFlags(record.flags, file.flags)) continue;
      const delta = flagDelta(record.flags, file.flags);
      if (delta.add.length + delta.remove.length === 0) continue;
      const change = [...delta.add.map((f) => `+${f}`), ...delta.remove.map((f) => `-${f}`)].join(' ');
      add(s.name, 'flags', `UID ${record.uid} ${change}`);
    }
  }
  for (const s of snapshots.values()) {
    for (const record of s.records.values()) {
      if (
        s.exists &&
        record.uid !== null &&
        record.synced &&
        !s.local.has(record.base) &&
        !moved.has(record.base)
      ) {
        add(s.name, 'delete', `UID ${record.uid}`);
      }
    }
  }
  return ops;
}

function describe(file: LocalMessage): string {
  return file.flags.length > 0 ? `${file.base} (${file.flags.join(' ')})` : file.base;
}
