/**
 * One POP3 run of an account: download every message whose UIDL has not been stored yet into the
 * Maildir (tmp → fsync → rename; the state records the chosen file name first, so a crash between
 * file and state is recognised and never causes a duplicate), then DELE what the policy allows and QUIT.
 *
 * Honest with broken servers: duplicate UIDLs in one listing stop the run before anything is deleted;
 * a UIDL is forgotten only when a complete listing no longer has it; a server without UIDL is refused
 * unless the account deletes everything it downloads.
 */

import type { AccountConfig } from '../account.js';
import { ServerProtocolError, UnsupportedError } from '../errors.js';
import { uniqueBase } from '../maildir/filename.js';
import { MaildirFolder } from '../maildir/maildir.js';
import { type FaultHooks, NO_PROGRESS, type SyncProgress } from '../progress.js';
import type { SyncState } from '../state/state.js';
import { Pop3Client, type UidlEntry } from './client.js';
import { dueForDeletion, expireDays, expireFromCapa } from './policy.js';

/** RETRs sent ahead of the one being read (RFC 2449 PIPELINING); small, as each reply is a message. */
const PIPELINE_WINDOW = 4;
/** Messages being fsynced and renamed in the background while the next one arrives. */
const SYNC_CONCURRENCY = 8;

export interface Pop3RunOptions {
  account: AccountConfig;
  password: string;
  state: SyncState;
  clock?: () => number;
  progress?: SyncProgress;
  faults?: FaultHooks;
  timeoutMs?: number;
}

export interface Pop3RunResult {
  downloaded: number;
  bytes: number;
  deleted: number;
  onServer: number;
  forgotten: number;
  expire: string | null;
  warnings: string[];
}

export async function runPop3(options: Pop3RunOptions): Promise<Pop3RunResult> {
  const { account, state } = options;
  const now = (options.clock ?? Date.now)();
  const progress = options.progress ?? NO_PROGRESS;
  const maildir = new MaildirFolder(account.maildir);
  await maildir.ensure(false);
  await settleInterruptedDeliveries(options, maildir, now);

  const client = await Pop3Client.connect({ ...account, timeoutMs: options.timeoutMs });
  try {
    await client.login(account.user, options.password);
    const capa = await client.capa();
    const expire = expireFromCapa(capa);
    state.recordServer(account.name, { capabilities: capa ?? [], expire });
    const warnings = policyWarnings(account, expire);

    const listing = await listUidls(client, account);
    const records = state.pop3.records(account.name);
    const sizes = await client.list();
    const missing = listing.filter((e) => !(records.get(e.uidl)?.storedAt != null));
    const total = missing.reduce((sum, e) => sum + (sizes.get(e.number) ?? 0), 0);

    let bytes = 0;
    if (missing.length > 0) progress.begin(account.name, missing.length, total);
    try {
      const window = capa?.includes('PIPELINING') ? PIPELINE_WINDOW : 1;
      bytes = await downloadAll(client, options, maildir, missing, window, (entry) => {
        return records.get(entry.uidl)?.firstSeen ?? now;
      });
    } finally {
      if (missing.length > 0) progress.end();
    }

    const stored = state.pop3.records(account.name);
    const doomed = listing.filter((e) => dueForDeletion(account.policy, stored.get(e.uidl), now));
    if (doomed.length > 0) {
      await maildir.syncDirectories(); // every rename above is durable before the first DELE
      for (const entry of doomed) await client.dele(entry.number);
    }
    await client.quit();

    // The listing was complete: a UIDL that is not in it is gone from the server for good.
    const listed = new Set(listing.map((e) => e.uidl));
    const vanished = [...stored.keys()].filter((uidl) => !listed.has(uidl));
    state.pop3.forget(account.name, vanished);
    return {
      downloaded: missing.length,
      bytes,
      deleted: doomed.length,
      onServer: listing.length - doomed.length,
      forgotten: vanished.length,
      expire,
      warnings,
    };
  } finally {
    client.destroy();
  }
}

/** A crash after "begin" left records without stored_at: adopt the file if it made it, else retry. */
async function settleInterruptedDeliveries(options: Pop3RunOptions, maildir: MaildirFolder, now: number) {
  const { account, state } = options;
  const pending = [...state.pop3.records(account.name).values()].filter((r) => r.storedAt === null);
  if (pending.length === 0) return;
  const present = await maildir.scan();
  for (const record of pending) {
    if (present.has(record.base)) state.pop3.markStored(account.name, record.uidl, now);
    else await maildir.removeTmp(record.base);
  }
}

async function listUidls(client: Pop3Client, account: AccountConfig): Promise<UidlEntry[]> {
  let listing: UidlEntry[];
  try {
    listing = await client.uidl();
  } catch (err) {
    if (err instanceof UnsupportedError && account.policy.kind !== 'delete') {
      throw new UnsupportedError(
        `${err.message}: leaving mail on the server needs UIDL to know what was downloaded; ` +
          'use --delete with this server',
      );
    }
    if (!(err instanceof UnsupportedError)) throw err;
    // --delete without UIDL: every message is downloaded and deleted; numbers stand in for UIDLs.
    listing = [...(await client.list()).keys()].map((n) => ({
      number: n,
      uidl: `#nouidl-${Date.now()}-${n}`,
    }));
  }
  const seen = new Set<string>();
  for (const entry of listing) {
    if (seen.has(entry.uidl)) {
      throw new ServerProtocolError(
        `the server listed UIDL ${entry.uidl} twice (RFC 1939 §7 requires unique ids); nothing was downloaded or deleted`,
      );
    }
    seen.add(entry.uidl);
  }
  return listing;
}

/**
 * RETRs the messages in order (pipelined when the server allows) and writes each to tmp/ as it
 * arrives; the fsync, rename into new/ and the state's "stored" mark happen in the background, up to
 * SYNC_CONCURRENCY at once, while the next message streams in. The state records the chosen file name
 * before its file is written, so a crash at any point is recognised by the next run.
 */
async function downloadAll(
  client: Pop3Client,
  options: Pop3RunOptions,
  maildir: MaildirFolder,
  entries: readonly UidlEntry[],
  window: number,
  firstSeen: (entry: UidlEntry) => number,
): Promise<number> {
  const { account, state } = options;
  const progress = options.progress ?? NO_PROGRESS;
  const committing = new Set<Promise<void>>();
  let failure: unknown = null;
  let bytes = 0;
  let i = 0;
  try {
    for await (const body of client.retrMany(
      entries.map((e) => e.number),
      window,
    )) {
      const entry = entries[i++]!;
      const base = uniqueBase();
      state.pop3.beginDelivery(account.name, entry.uidl, base, firstSeen(entry));
      let size = 0;
      const counted = (async function* () {
        for await (const chunk of body) {
          size += chunk.length;
          yield chunk;
        }
      })();
      const file = await maildir.write(counted, { base });
      const commit = file
        .commit()
        .then(() => {
          options.faults?.afterStore?.(entry.uidl);
          state.pop3.markStored(account.name, entry.uidl, (options.clock ?? Date.now)());
          bytes += size;
          progress.advance(size);
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => committing.delete(commit));
      committing.add(commit);
      if (committing.size >= SYNC_CONCURRENCY) await Promise.race(committing);
      if (failure) break;
    }
  } finally {
    await Promise.all(committing);
  }
  if (failure) throw failure;
  return bytes;
}

function policyWarnings(account: AccountConfig, expire: string | null): string[] {
  const days = expireDays(expire);
  if (account.policy.kind === 'leave-days' && days !== null && days < account.policy.days) {
    return [
      `the server deletes mail after ${days} days (EXPIRE), before --leave-days ${account.policy.days}`,
    ];
  }
  if (account.policy.kind === 'keep' && days !== null) {
    return [`the server deletes mail after ${days} days (EXPIRE) although this account keeps it`];
  }
  return [];
}
