/**
 * Two-way sync of one folder. Order (RFC 4549 §4.2 then §4.3): new server mail is fetched first (it
 * cannot conflict), then the local changes are replayed — APPEND, STORE, then \Deleted + UID EXPUNGE —
 * and finally the server's changes are applied to the Maildir. Conflicts follow merge.ts.
 */
import type { ImapFlow } from 'imapflow';
import { formatSequenceSet } from '../../lib/seqset.js';
import { type LocalMessage, type MaildirFolder, STAMP_MARGIN_MS } from '../maildir/maildir.js';
import type { FaultHooks, SyncProgress } from '../progress.js';
import type { FolderRecord, MessageRecord } from '../state/imap-state.js';
import type { SyncState } from '../state/state.js';
import { downloadMessages } from './download.js';
import type { ServerFolder } from './folders.js';
import type { FolderSnapshot } from './local-changes.js';
import { flagDelta, mergeFlags, sameFlags, splitServerFlags } from './merge.js';
import type { ImapCounts } from './report.js';
import { findVanished, openFolder } from './server-changes.js';
import { rematchAfterUidValidityChange } from './uidvalidity.js';
import { uploadMessages } from './upload.js';

export interface FolderJob {
  client: ImapFlow;
  state: SyncState;
  account: string;
  name: string;
  server: ServerFolder;
  maildir: MaildirFolder;
  counts: ImapCounts;
  notes: string[];
  progress: SyncProgress;
  faults?: FaultHooks;
  /** Bases that left this folder by a local move (replayed by the move step, not deletions). */
  movedOut: ReadonlySet<string>;
  /** The state's records and the Maildir's files as read at the start of the run, if still current. */
  snapshot?: FolderSnapshot;
}

/** Returns false when nothing had to be done (no SELECT was sent). */
export async function syncFolder(job: FolderJob): Promise<boolean> {
  const { state, account, name } = job;
  const known = state.imap.folders(account).find((f) => f.name === name) ?? null;
  // Unchanged here (stamp, or read and compared) and there (LIST-STATUS): nothing more to read.
  if (
    job.snapshot?.stable &&
    known &&
    serverUnchanged(job.server, known, state.imap.countOnServer(account, name))
  ) {
    if (job.snapshot.stamp) await recordStamp(job, job.snapshot.stamp);
    return false;
  }
  const fresh = job.snapshot && !job.snapshot.stable ? job.snapshot : null;
  const before = fresh ? fresh.stamp : await job.maildir.stamp();
  let records = fresh?.records ?? state.imap.messages(account, name);
  let local = fresh?.local ?? (await job.maildir.scan());
  if (settleInterruptedDownloads(job, records, local)) records = state.imap.messages(account, name);

  const onServer = [...records.values()].filter((r) => r.uid !== null).length;
  if (known && serverUnchanged(job.server, known, onServer) && localUnchanged(records, local, job.movedOut)) {
    await recordStamp(job, before);
    return false;
  }

  const knownUids = new Set<number>();
  for (const r of records.values()) if (r.uid !== null) knownUids.add(r.uid);
  let opened = await openFolder(job.client, name, known, knownUids);
  if (known && opened.uidValidity !== known.uidValidity) {
    await rematchAfterUidValidityChange(job, known.uidValidity, opened.uidValidity, local);
    records = state.imap.messages(account, name);
    local = await job.maildir.scan(); // the re-match downloaded files: they are not local deletions
    knownUids.clear();
    for (const r of records.values()) if (r.uid !== null) knownUids.add(r.uid);
    opened = { ...opened, changed: await currentFlags(job.client, knownUids), vanished: new Set() };
  }
  const selectedModseq = opened.mailbox.highestModseq;
  if (!known)
    state.imap.putFolder(account, { name, uidValidity: opened.uidValidity, highestModseq: null, uidNext: 0 });

  // Server → local, new mail first: UIDs from the UIDNEXT of the last run on, not known already
  // (a message moved or uploaded here by this device is known with a UID above that).
  const firstNew = Math.max(1, known && opened.uidValidity === known.uidValidity ? known.uidNext : 1);
  const total = Math.max(0, opened.mailbox.exists - knownUids.size);
  let newSeen = 0;
  if (
    opened.mailbox.exists > 0 &&
    (opened.mailbox.uidNext === undefined || opened.mailbox.uidNext > firstNew)
  ) {
    if (total > 0) job.progress.begin(name, total, null);
    const isNew = (uid: number) => uid >= firstNew && !knownUids.has(uid);
    const result = await downloadMessages(job, `${firstNew}:*`, isNew);
    if (total > 0) job.progress.end();
    newSeen = result.seen.filter(isNew).length;
    job.counts.downloaded += result.stored;
    job.counts.bytes += result.bytes;
  }
  const vanished = opened.vanished ?? (await findVanished(job.client, knownUids, newSeen));

  // Decide, message by message.
  const uploads: LocalMessage[] = [];
  for (const m of local.values()) if (!records.has(m.base)) uploads.push(m);
  const pushes: Array<{ record: MessageRecord; file: LocalMessage; merged: string[]; from: string[] }> = [];
  const applyLocally: Array<{
    record: MessageRecord;
    file: LocalMessage;
    flags: string[];
    keywords: string[];
    modseq: string | null;
  }> = [];
  const deleteOnServer: MessageRecord[] = [];
  const restore: number[] = [];
  for (const record of records.values()) {
    if (record.uid === null) {
      const file = local.get(record.base);
      if (file) uploads.push(file); // an upload cut short: uploadMessages looks for it first
      continue;
    }
    const file = local.get(record.base);
    const change = opened.changed.get(record.uid);
    const server = change
      ? splitServerFlags(change.flags)
      : { system: record.flags, keywords: record.keywords };
    if (vanished.has(record.uid)) {
      state.imap.removeMessage(account, name, record.base);
      if (!file) continue;
      if (sameFlags(file.flags, record.flags)) {
        await job.maildir.remove(file);
        job.counts.deletedLocally++;
      } else {
        uploads.push(file);
        job.notes.push(`${name}: a message expunged on the server had changed here; uploaded again`);
      }
      continue;
    }
    if (!file) {
      if (job.movedOut.has(record.base)) continue;
      if (change && !sameFlags(server.system, record.flags)) {
        state.imap.removeMessage(account, name, record.base);
        restore.push(record.uid);
        job.notes.push(`${name}: a message deleted here had changed on the server; downloaded again`);
      } else {
        deleteOnServer.push(record);
      }
      continue;
    }
    const merged = mergeFlags(record.flags, file.flags, server.system);
    const modseq = change?.modseq ?? record.modseq;
    if (!sameFlags(merged, server.system)) pushes.push({ record, file, merged, from: server.system });
    else if (!sameFlags(merged, file.flags) || !sameFlags(merged, record.flags) || change) {
      applyLocally.push({ record, file, flags: merged, keywords: server.keywords, modseq });
    }
  }

  // Local → server (RFC 4549 order: APPEND, STORE, EXPUNGE).
  await uploadMessages(job, uploads, records);
  await pushFlags(job, pushes, selectedModseq);
  restore.push(...(await deleteMessages(job, deleteOnServer, selectedModseq)));

  // Server → local: flags, restored messages.
  for (const a of applyLocally) {
    const renamed = await job.maildir.setFlags(a.file, a.flags);
    if (!sameFlags(a.file.flags, a.flags)) job.counts.flagsToLocal++;
    state.imap.putMessage(account, name, {
      ...a.record,
      base: renamed.base,
      flags: a.flags,
      keywords: a.keywords,
      modseq: a.modseq,
    });
  }
  if (restore.length > 0) {
    const wanted = new Set(restore);
    const result = await downloadMessages(job, formatSequenceSet(restore), (uid) => wanted.has(uid));
    job.counts.restored += result.stored;
  }
  await job.maildir.syncDirectories();
  state.imap.putFolder(account, {
    name,
    uidValidity: opened.uidValidity,
    highestModseq: selectedModseq === undefined || opened.mailbox.noModseq ? null : String(selectedModseq),
    uidNext: opened.mailbox.uidNext ?? 0,
  });
  await recordStamp(job, before);
  return true;
}

/**
 * The directories now match the state: remember their stamp so the next run can skip reading them,
 * but only if nothing (this run included) changed them since `before` was taken, and that is old
 * enough to rule out a change in the same timestamp tick. Otherwise the next run reads them again.
 */
async function recordStamp(
  job: FolderJob,
  before: { stamp: string; newestMs: number } | null,
): Promise<void> {
  const now = await job.maildir.stamp();
  const trusted =
    before !== null && now?.stamp === before.stamp && Date.now() - before.newestMs > STAMP_MARGIN_MS;
  job.state.imap.setLocalStamp(job.account, job.name, trusted ? before.stamp : null);
}

/** A download cut short by a crash: keep it if its file made it, else forget it (fetched again). */
function settleInterruptedDownloads(
  job: FolderJob,
  records: Map<string, MessageRecord>,
  local: Map<string, LocalMessage>,
): boolean {
  let changed = false;
  for (const r of records.values()) {
    if (r.synced) continue;
    changed = true;
    if (local.has(r.base)) job.state.imap.putMessage(job.account, job.name, { ...r, synced: true });
    else job.state.imap.removeMessage(job.account, job.name, r.base);
  }
  return changed;
}

function serverUnchanged(server: ServerFolder, known: FolderRecord, onServer: number): boolean {
  if (server.highestModseq === null || known.highestModseq === null) return false;
  return (
    server.uidValidity === known.uidValidity &&
    server.highestModseq === known.highestModseq &&
    server.uidNext === known.uidNext &&
    server.messages === onServer
  );
}

function localUnchanged(
  records: Map<string, MessageRecord>,
  local: Map<string, LocalMessage>,
  movedOut: ReadonlySet<string>,
) {
  if (local.size !== records.size || movedOut.size > 0) return false;
  for (const r of records.values()) {
    const file = local.get(r.base);
    if (!file || r.uid === null || !sameFlags(file.flags, r.flags)) return false;
  }
  return true;
}

async function pushFlags(
  job: FolderJob,
  pushes: Array<{ record: MessageRecord; file: LocalMessage; merged: string[]; from: string[] }>,
  modseq: bigint | undefined,
) {
  if (pushes.length === 0) return;
  const groups = new Map<string, { add: string[]; remove: string[]; uids: number[] }>();
  for (const p of pushes) {
    const delta = flagDelta(p.from, p.merged);
    const key = `${delta.add.join(' ')}|${delta.remove.join(' ')}`;
    const group = groups.get(key) ?? { ...delta, uids: [] };
    group.uids.push(p.record.uid!);
    groups.set(key, group);
  }
  // UNCHANGEDSINCE the HIGHESTMODSEQ seen at SELECT: a change made on the server since then wins.
  const options = { uid: true, silent: true, ...(modseq !== undefined ? { unchangedSince: modseq } : {}) };
  for (const g of groups.values()) {
    const range = formatSequenceSet(g.uids);
    if (g.add.length > 0) await job.client.messageFlagsAdd(range, g.add, options);
    if (g.remove.length > 0) await job.client.messageFlagsRemove(range, g.remove, options);
  }
  // What the server holds now decides; a message whose STORE lost the race is merged again next run.
  const now =
    modseq !== undefined ? await currentFlags(job.client, new Set(pushes.map((p) => p.record.uid!))) : null;
  for (const p of pushes) {
    const server = now?.get(p.record.uid!);
    const { system, keywords } = server
      ? splitServerFlags(server.flags)
      : { system: p.merged, keywords: p.record.keywords };
    if (!sameFlags(system, p.merged)) continue;
    job.counts.flagsToServer++;
    const renamed = await job.maildir.setFlags(p.file, p.merged);
    if (!sameFlags(p.file.flags, p.merged)) job.counts.flagsToLocal++;
    job.state.imap.putMessage(job.account, job.name, {
      ...p.record,
      base: renamed.base,
      flags: p.merged,
      keywords,
      modseq: server?.modseq ?? p.record.modseq,
    });
  }
}

/**
 * \Deleted (UNCHANGEDSINCE, so a message changed meanwhile survives) then UID EXPUNGE (RFC 4315).
 * Returns the UIDs that survived (changed on the server after we looked): they are downloaded again.
 */
async function deleteMessages(
  job: FolderJob,
  doomed: MessageRecord[],
  modseq: bigint | undefined,
): Promise<number[]> {
  if (doomed.length === 0) return [];
  const uids = doomed.map((r) => r.uid!);
  const range = formatSequenceSet(uids);
  const options = { uid: true, ...(modseq !== undefined ? { unchangedSince: modseq } : {}) };
  for (const r of doomed) job.state.imap.removeMessage(job.account, job.name, r.base);
  if (!job.client.capabilities.has('UIDPLUS')) {
    // A plain EXPUNGE would also remove what other clients marked \Deleted: mark only.
    await job.client.messageFlagsAdd(range, ['\\Deleted'], options);
    job.notes.push(
      `${job.name}: the server lacks UIDPLUS; ${uids.length} messages marked \\Deleted, not expunged`,
    );
    job.counts.deletedOnServer += uids.length;
    return [];
  }
  await job.client.messageDelete(range, options);
  const survivors = modseq !== undefined ? [...(await currentFlags(job.client, new Set(uids))).keys()] : [];
  job.counts.deletedOnServer += uids.length - survivors.length;
  if (survivors.length > 0) {
    job.notes.push(
      `${job.name}: ${survivors.length} messages deleted here had just changed on the server; downloaded again`,
    );
  }
  return survivors;
}

async function currentFlags(client: ImapFlow, uids: ReadonlySet<number>) {
  const flags = new Map<number, { flags: Set<string>; modseq: string | null }>();
  if (uids.size === 0) return flags;
  for await (const m of client.fetch(
    formatSequenceSet([...uids]),
    { uid: true, flags: true },
    { uid: true },
  )) {
    flags.set(m.uid, {
      flags: m.flags ?? new Set(),
      modseq: m.modseq === undefined ? null : String(m.modseq),
    });
  }
  return flags;
}
