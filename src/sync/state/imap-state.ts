/**
 * IMAP state per account: folders (UIDVALIDITY, HIGHESTMODSEQ, UIDNEXT as last synced) and, per
 * message, the Maildir base ↔ UID map with the flags and keywords both sides last agreed on (the base
 * of every three-way merge). A message whose uid is NULL is a local message being uploaded: its APPEND
 * may have reached the server, so the next run looks for it there before appending again.
 */
import type Database from 'better-sqlite3';

export interface FolderRecord {
  name: string;
  uidValidity: number;
  /** HIGHESTMODSEQ (RFC 7162) as a decimal string, or null without CONDSTORE. */
  highestModseq: string | null;
  uidNext: number;
  /** The Maildir directories' stamp when they last matched the state (written by setLocalStamp only). */
  localStamp?: string | null;
}

export interface MessageRecord {
  base: string;
  uid: number | null;
  /** System flags, canonical (maildir/flags.ts). */
  flags: string[];
  keywords: string[];
  modseq: string | null;
  size: number;
  messageId: string | null;
  /** False while a download is in flight: the file may not exist yet. */
  synced: boolean;
}

export interface PendingOperation {
  folder: string;
  kind: string;
  detail: string;
  createdAt: number;
}

interface FolderRow {
  name: string;
  uidvalidity: number;
  highest_modseq: string | null;
  uidnext: number;
  local_stamp: string | null;
}

type RawMessageRow = [string, number | null, string, string, string | null, number, string | null, number];

export class ImapState {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      folders: db.prepare<[string], FolderRow>('SELECT * FROM folders WHERE account = ? ORDER BY name'),
      putFolder: db.prepare(
        'INSERT INTO folders (account, name, uidvalidity, highest_modseq, uidnext) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT (account, name) DO UPDATE SET uidvalidity = excluded.uidvalidity, ' +
          'highest_modseq = excluded.highest_modseq, uidnext = excluded.uidnext',
      ),
      renameFolder: db.prepare(
        'UPDATE folders SET name = ?, local_stamp = NULL WHERE account = ? AND name = ?',
      ),
      compare: db
        .prepare<[string, string]>(
          'SELECT base, uid, flags, synced FROM messages WHERE account = ? AND folder = ?',
        )
        .raw(true),
      stamp: db.prepare('UPDATE folders SET local_stamp = ? WHERE account = ? AND name = ?'),
      onServer: db.prepare<[string, string], { n: number }>(
        'SELECT count(*) AS n FROM messages WHERE account = ? AND folder = ? AND uid IS NOT NULL',
      ),
      deleteFolder: db.prepare('DELETE FROM folders WHERE account = ? AND name = ?'),
      messagesRaw: db
        .prepare<[string, string]>(
          'SELECT base, uid, flags, keywords, modseq, size, message_id, synced FROM messages ' +
            'WHERE account = ? AND folder = ?',
        )
        .raw(true),
      putMessage: db.prepare(
        'INSERT INTO messages (account, folder, base, uid, flags, keywords, modseq, size, message_id, synced) ' +
          'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (account, folder, base) DO UPDATE SET ' +
          'uid = excluded.uid, flags = excluded.flags, keywords = excluded.keywords, modseq = excluded.modseq, ' +
          'size = excluded.size, message_id = excluded.message_id, synced = excluded.synced',
      ),
      removeMessage: db.prepare('DELETE FROM messages WHERE account = ? AND folder = ? AND base = ?'),
      clearPending: db.prepare('DELETE FROM pending WHERE account = ?'),
      addPending: db.prepare(
        'INSERT INTO pending (account, folder, kind, detail, created_at) VALUES (?, ?, ?, ?, ?)',
      ),
      pending: db.prepare<[string], { folder: string; kind: string; detail: string; created_at: number }>(
        'SELECT folder, kind, detail, created_at FROM pending WHERE account = ? ORDER BY id',
      ),
      countMessages: db.prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM messages WHERE account = ?',
      ),
    };
  }

  folders(account: string): FolderRecord[] {
    return this.s.folders.all(account).map((r) => ({
      name: r.name,
      uidValidity: r.uidvalidity,
      highestModseq: r.highest_modseq,
      uidNext: r.uidnext,
      localStamp: r.local_stamp,
    }));
  }

  setLocalStamp(account: string, name: string, stamp: string | null): void {
    this.s.stamp.run(stamp, account, name);
  }

  /**
   * True when `local` (base → flags as "\\A \\B", canonical) is exactly the folder's records, every
   * one synced and on the server: no local change. Reads rows as arrays and builds no records, since
   * this runs for every folder at every run.
   */
  matchesLocal(
    account: string,
    folder: string,
    local: ReadonlyMap<string, { flags: readonly string[] }>,
  ): boolean {
    let count = 0;
    for (const [base, uid, flags, synced] of this.s.compare.iterate(account, folder) as Iterable<
      [string, number | null, string, number]
    >) {
      const file = local.get(base);
      if (!file || uid === null || synced !== 1 || file.flags.join(' ') !== flags) return false;
      count++;
    }
    return count === local.size;
  }

  /** Messages of the folder known on the server (with a UID). */
  countOnServer(account: string, folder: string): number {
    return this.s.onServer.get(account, folder)!.n;
  }

  putFolder(account: string, folder: FolderRecord): void {
    this.s.putFolder.run(account, folder.name, folder.uidValidity, folder.highestModseq, folder.uidNext);
  }

  /** Renames the folder and (by ON UPDATE CASCADE) its messages' folder. */
  renameFolder(account: string, from: string, to: string): void {
    this.s.renameFolder.run(to, account, from);
  }

  deleteFolder(account: string, name: string): void {
    this.s.deleteFolder.run(account, name);
  }

  messages(account: string, folder: string): Map<string, MessageRecord> {
    const map = new Map<string, MessageRecord>();
    // Rows as arrays (no per-row object from the driver): this is read for every folder at every run.
    for (const r of this.s.messagesRaw.all(account, folder) as RawMessageRow[]) {
      map.set(r[0], {
        base: r[0],
        uid: r[1],
        flags: splitList(r[2]),
        keywords: splitList(r[3]),
        modseq: r[4],
        size: r[5],
        messageId: r[6],
        synced: r[7] === 1,
      });
    }
    return map;
  }

  putMessage(account: string, folder: string, m: MessageRecord): void {
    this.s.putMessage.run(
      account,
      folder,
      m.base,
      m.uid,
      m.flags.join(' '),
      m.keywords.join(' '),
      m.modseq,
      m.size,
      m.messageId,
      m.synced ? 1 : 0,
    );
  }

  removeMessage(account: string, folder: string, base: string): void {
    this.s.removeMessage.run(account, folder, base);
  }

  messageCount(account: string): number {
    return this.s.countMessages.get(account)!.n;
  }

  /** The local operations waiting for the server (replaced as a whole at each detection). */
  setPending(account: string, operations: readonly PendingOperation[]): void {
    this.db.transaction(() => {
      this.s.clearPending.run(account);
      for (const op of operations)
        this.s.addPending.run(account, op.folder, op.kind, op.detail, op.createdAt);
    })();
  }

  pending(account: string): PendingOperation[] {
    return this.s.pending.all(account).map((r) => ({
      folder: r.folder,
      kind: r.kind,
      detail: r.detail,
      createdAt: r.created_at,
    }));
  }
}

/** Shared by every record without flags; frozen, so a mutation fails loudly instead of spreading. */
const EMPTY = Object.freeze([]) as unknown as string[];

function splitList(text: string): string[] {
  return text === '' ? EMPTY : text.split(' ');
}
