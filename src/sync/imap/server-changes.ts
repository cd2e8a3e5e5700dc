/**
 * What changed on the server in a folder since the last run, at the least cost the server allows
 * (RFC 7162): with QRESYNC the SELECT itself reports changed flags and expunged UIDs (§3.2.5); with
 * CONDSTORE a FETCH (CHANGEDSINCE) gives changed flags and expunges are found by comparing counts
 * (one UID SEARCH only when they differ); otherwise a full UID FETCH of the flags.
 */
import type { ImapFlow, MailboxObject } from 'imapflow';
import type { FolderRecord } from '../state/imap-state.js';

export interface ServerFlags {
  flags: Set<string>;
  modseq: string | null;
}

export interface OpenedFolder {
  mailbox: MailboxObject;
  uidValidity: number;
  /** Flags of known messages that changed (QRESYNC/CONDSTORE) or of every known message (full scan). */
  changed: Map<number, ServerFlags>;
  /** Known UIDs expunged on the server, or null when still to be found (see findVanished). */
  vanished: Set<number> | null;
  /** How the changes were found, for the report and the tests. */
  method: 'qresync' | 'condstore' | 'full' | 'new';
}

/** SELECT with QRESYNC parameters when possible, collecting what the server reports during it. */
export async function openFolder(
  client: ImapFlow,
  name: string,
  known: FolderRecord | null,
  knownUids: ReadonlySet<number>,
): Promise<OpenedFolder> {
  const changed = new Map<number, ServerFlags>();
  const vanished = new Set<number>();
  const onFlags = (e: { path: string; uid?: number; flags: Set<string>; modseq?: bigint }) => {
    if (e.path === name && e.uid !== undefined) changed.set(e.uid, { flags: e.flags, modseq: str(e.modseq) });
  };
  const onExpunge = (e: { path: string; uid?: number }) => {
    if (e.path === name && e.uid !== undefined) vanished.add(e.uid);
  };
  const qresync = client.enabled.has('QRESYNC') && known?.highestModseq != null;
  client.on('flags', onFlags).on('expunge', onExpunge);
  let mailbox: MailboxObject;
  try {
    mailbox = await client.mailboxOpen(
      name,
      qresync ? { changedSince: known!.highestModseq!, uidValidity: known!.uidValidity } : {},
    );
  } finally {
    client.off('flags', onFlags).off('expunge', onExpunge);
  }
  const uidValidity = Number(mailbox.uidValidity);
  const sameValidity = known !== null && known.uidValidity === uidValidity;
  if (!sameValidity || knownUids.size === 0) {
    return { mailbox, uidValidity, changed: new Map(), vanished: new Set(), method: 'new' };
  }
  if ((mailbox as { qresync?: boolean }).qresync) {
    const ours = new Map([...changed].filter(([uid]) => knownUids.has(uid)));
    return {
      mailbox,
      uidValidity,
      changed: ours,
      vanished: onlyKnown(vanished, knownUids),
      method: 'qresync',
    };
  }
  const modseq = known.highestModseq;
  if (modseq !== null && mailbox.highestModseq !== undefined && !mailbox.noModseq) {
    const flags =
      String(mailbox.highestModseq) === modseq ? new Map() : await fetchFlags(client, knownUids, modseq);
    return { mailbox, uidValidity, changed: flags, vanished: null, method: 'condstore' };
  }
  const all = await fetchFlags(client, knownUids, null);
  const gone = new Set([...knownUids].filter((uid) => !all.has(uid)));
  return { mailbox, uidValidity, changed: all, vanished: gone, method: 'full' };
}

async function fetchFlags(
  client: ImapFlow,
  knownUids: ReadonlySet<number>,
  since: string | null,
): Promise<Map<number, ServerFlags>> {
  const maxKnown = maxOf(knownUids);
  const flags = new Map<number, ServerFlags>();
  const options = since === null ? { uid: true } : { uid: true, changedSince: BigInt(since) };
  for await (const m of client.fetch(`1:${maxKnown}`, { uid: true, flags: true }, options)) {
    if (knownUids.has(m.uid)) flags.set(m.uid, { flags: m.flags ?? new Set(), modseq: str(m.modseq) });
  }
  return flags;
}

/**
 * CONDSTORE has no expunge report: if the server holds as many messages as the known ones plus the
 * new ones just seen, none of the known ones is gone (UIDs only grow); otherwise one UID SEARCH.
 */
export async function findVanished(
  client: ImapFlow,
  knownUids: ReadonlySet<number>,
  newSeen: number,
): Promise<Set<number>> {
  const exists = client.mailbox ? client.mailbox.exists : 0;
  if (exists === knownUids.size + newSeen) return new Set();
  const maxKnown = maxOf(knownUids);
  const present = new Set((await client.search({ uid: `1:${maxKnown}` }, { uid: true })) || []);
  return new Set([...knownUids].filter((uid) => !present.has(uid)));
}

function onlyKnown(uids: Set<number>, known: ReadonlySet<number>): Set<number> {
  return new Set([...uids].filter((uid) => known.has(uid)));
}

function str(value: bigint | undefined): string | null {
  return value === undefined ? null : String(value);
}

export function maxOf(values: Iterable<number>): number {
  let max = 0;
  for (const v of values) if (v > max) max = v;
  return max;
}
