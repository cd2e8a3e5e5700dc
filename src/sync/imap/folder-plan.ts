/**
 * Folder-level changes on either side since the last run, replayed before any message (RFC 4549
 * §4.2: what creates comes first, what destroys last). Renames are recognised by content: a local
 * folder renamed keeps its files' unique names; a server folder renamed keeps its UIDVALIDITY.
 * A folder deleted on one side is deleted on the other only if the other side did not change it;
 * otherwise it is recreated where it was deleted (a deletion never destroys unsynced mail).
 */
import { rename, rm } from 'node:fs/promises';
import type { ImapFlow } from 'imapflow';
import { INBOX } from '../maildir/folder-path.js';
import type { MaildirFolder } from '../maildir/maildir.js';
import { messageIdOf } from '../message-id.js';
import type { FolderRecord } from '../state/imap-state.js';
import type { SyncState } from '../state/state.js';
import { localFolder, type ServerFolder } from './folders.js';
import type { FolderSnapshot } from './local-changes.js';
import { sameFlags } from './merge.js';
import type { ImapCounts } from './report.js';

export interface FolderSides {
  client: ImapFlow;
  state: SyncState;
  account: string;
  root: string;
  delimiter: string;
  server: Map<string, ServerFolder>;
  local: Map<string, MaildirFolder>;
  snapshots: ReadonlyMap<string, FolderSnapshot>;
  counts: ImapCounts;
  notes: string[];
}

/** Applies creations and renames now; returns the server folders to delete once messages are done. */
export async function reconcileFolders(sides: FolderSides): Promise<string[]> {
  const { client, state, account, server, local } = sides;
  const known = new Map(state.imap.folders(account).map((f) => [f.name, f]));
  await renamesHere(sides, known);
  await renamesThere(sides, known);

  const deleteOnServer: string[] = [];
  for (const name of [...server.keys()]) {
    if (local.has(name)) continue;
    const record = known.get(name);
    if (record && name !== INBOX) {
      if (await unchangedOnServer(sides, name, record)) {
        deleteOnServer.push(name);
        continue;
      }
      state.imap.deleteFolder(account, name);
      sides.notes.push(`${name}: deleted here but changed on the server; downloaded again`);
    }
    const folder = localFolder(sides.root, name, sides.delimiter);
    await folder.ensure(name !== INBOX);
    local.set(name, folder);
    if (!record) sides.counts.foldersCreated++;
  }
  for (const [name, folder] of [...local]) {
    if (server.has(name)) continue;
    const record = known.get(name);
    if (record && clean(sides.snapshots.get(name))) {
      await rm(folder.dir, { recursive: true, force: true });
      state.imap.deleteFolder(account, name);
      local.delete(name);
      sides.counts.foldersDeleted++;
      continue;
    }
    if (record) {
      state.imap.deleteFolder(account, name); // its messages are uploaded again as new
      sides.notes.push(`${name}: deleted on the server but changed here; created again and uploaded`);
    }
    await client.mailboxCreate(name);
    server.set(name, {
      name,
      delimiter: sides.delimiter,
      uidValidity: null,
      uidNext: null,
      messages: null,
      highestModseq: null,
    });
    sides.counts.foldersCreated++;
  }
  for (const name of known.keys()) {
    if (!server.has(name) && !local.has(name)) state.imap.deleteFolder(account, name);
  }
  return deleteOnServer;
}

export async function deleteServerFolders(sides: FolderSides, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await sides.client.mailboxDelete(name);
    sides.state.imap.deleteFolder(sides.account, name);
    sides.server.delete(name);
    sides.counts.foldersDeleted++;
  }
}

/** A local folder renamed: gone here, and an unknown local folder holds most of its files. */
async function renamesHere(sides: FolderSides, known: Map<string, FolderRecord>): Promise<void> {
  const { server, local, snapshots } = sides;
  const fresh = [...local.keys()].filter((n) => !server.has(n) && !known.has(n));
  for (const old of known.keys()) {
    if (old === INBOX || local.has(old) || !server.has(old)) continue;
    const bases = [...(snapshots.get(old)?.records.keys() ?? [])];
    if (bases.length === 0) continue;
    const target = fresh.find((n) => {
      const files = snapshots.get(n)?.local;
      return files !== undefined && bases.filter((b) => files.has(b)).length * 2 >= bases.length;
    });
    if (!target) continue;
    await sides.client.mailboxRename(old, target);
    sides.state.imap.renameFolder(sides.account, old, target);
    server.set(target, { ...server.get(old)!, name: target });
    server.delete(old);
    fresh.splice(fresh.indexOf(target), 1);
    known.set(target, { ...known.get(old)!, name: target });
    known.delete(old);
    sides.counts.foldersRenamed++;
  }
}

/**
 * A server folder renamed: gone there, and a new server folder has its UIDVALIDITY (Dovecot keeps it)
 * or, when the server gives renamed folders a new one (Postyard, RFC 9051 allows it), as many messages
 * and mostly the same Message-IDs and sizes. The local directory is renamed; the folder pass then
 * re-matches the UIDs by Message-ID and size without downloading anything again.
 */
async function renamesThere(sides: FolderSides, known: Map<string, FolderRecord>): Promise<void> {
  const { server, local } = sides;
  const fresh = [...server.values()].filter((f) => !local.has(f.name) && !known.has(f.name));
  for (const [old, record] of [...known]) {
    if (old === INBOX || server.has(old) || !local.has(old) || fresh.length === 0) continue;
    const target =
      fresh.find((f) => f.uidValidity !== null && f.uidValidity === record.uidValidity) ??
      (await sameContent(sides, old, fresh));
    if (!target) continue;
    const folder = localFolder(sides.root, target.name, sides.delimiter);
    await rename(local.get(old)!.dir, folder.dir);
    sides.state.imap.renameFolder(sides.account, old, target.name);
    local.set(target.name, folder);
    local.delete(old);
    known.set(target.name, { ...record, name: target.name });
    known.delete(old);
    fresh.splice(fresh.indexOf(target), 1);
    sides.counts.foldersRenamed++;
    sides.notes.push(`${old}: renamed to ${target.name} on the server; renamed here too`);
  }
}

/** The new server folder holding (at least half of) the old folder's messages, by Message-ID and size. */
async function sameContent(sides: FolderSides, old: string, candidates: readonly ServerFolder[]) {
  const records = [...sides.state.imap.messages(sides.account, old).values()].filter((r) => r.uid !== null);
  const keys = new Set(records.filter((r) => r.messageId).map((r) => `${r.messageId}\u0000${r.size}`));
  if (keys.size === 0) return undefined;
  for (const candidate of candidates) {
    if (candidate.messages !== null && candidate.messages !== records.length) continue;
    const mailbox = await sides.client.mailboxOpen(candidate.name, { readOnly: true });
    let matches = 0;
    if (mailbox.exists > 0) {
      const query = { uid: true, size: true, headers: ['message-id'] };
      for await (const m of sides.client.fetch('1:*', query, { uid: true })) {
        const id = m.headers ? messageIdOf(Buffer.concat([m.headers, Buffer.from('\r\n\r\n')])) : null;
        if (id && keys.has(`${id}\u0000${m.size}`)) matches++;
      }
    }
    await sides.client.mailboxClose();
    if (matches * 2 >= keys.size) return candidate;
  }
  return undefined;
}

async function unchangedOnServer(sides: FolderSides, name: string, record: FolderRecord): Promise<boolean> {
  let status = sides.server.get(name)!;
  if (status.uidValidity === null) {
    const s = await sides.client.status(name, { uidValidity: true, uidNext: true, highestModseq: true });
    if (!s) return false;
    status = {
      ...status,
      uidValidity: s.uidValidity === undefined ? null : Number(s.uidValidity),
      uidNext: s.uidNext ?? null,
      highestModseq: s.highestModseq === undefined ? null : String(s.highestModseq),
    };
  }
  if (status.uidValidity !== record.uidValidity || status.uidNext !== record.uidNext) return false;
  return record.highestModseq === null || status.highestModseq === record.highestModseq;
}

/** Every file of the folder is known with the flags last synced: nothing would be lost with it. */
function clean(snapshot: FolderSnapshot | undefined): boolean {
  if (!snapshot || snapshot.stable) return true;
  if (snapshot.local.size !== snapshot.records.size) return false;
  for (const r of snapshot.records.values()) {
    const file = snapshot.local.get(r.base);
    if (!file || r.uid === null || !sameFlags(file.flags, r.flags)) return false;
  }
  return true;
}
