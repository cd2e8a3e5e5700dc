/**
 * Downloading messages into a Maildir folder: one UID FETCH streams them all (no round trip per
 * message). They are stored in batches, the next batch arriving while the last is written: each batch's
 * records are committed first as in flight (synced = 0, one transaction), then its files are written and
 * fsynced (DELIVERY_CONCURRENCY at once, on libuv's thread pool), then the batch is marked synced (one
 * transaction). A crash in between leaves in-flight records, which the next run adopts if the file is
 * there and drops (to fetch again) if not: no loss, no duplicate.
 */
import type { ImapFlow } from 'imapflow';
import { uniqueBase } from '../maildir/filename.js';
import type { MaildirFolder } from '../maildir/maildir.js';
import { messageIdOf } from '../message-id.js';
import type { FaultHooks, SyncProgress } from '../progress.js';
import type { MessageRecord } from '../state/imap-state.js';
import type { SyncState } from '../state/state.js';
import { splitServerFlags } from './merge.js';

const DELIVERY_CONCURRENCY = 8;
const BATCH_MESSAGES = 64;
const BATCH_BYTES = 8 << 20;

export interface DownloadTarget {
  client: ImapFlow;
  state: SyncState;
  account: string;
  name: string;
  maildir: MaildirFolder;
  progress: SyncProgress;
  faults?: FaultHooks;
}

interface Fetched {
  record: MessageRecord;
  source: Buffer;
  date: Date | undefined;
}

/** Fetches `range` (UIDs) and stores every message `wanted` accepts; returns UIDs seen and stored. */
export async function downloadMessages(
  target: DownloadTarget,
  range: string,
  wanted: (uid: number) => boolean,
): Promise<{ seen: number[]; stored: number; bytes: number }> {
  const seen: number[] = [];
  const totals = { stored: 0, bytes: 0 };
  let batch: Fetched[] = [];
  let batchBytes = 0;
  let writing: Promise<void> | null = null;
  const flush = async () => {
    await writing;
    const current = batch;
    batch = [];
    batchBytes = 0;
    // The previous batch must be done before this one starts: it keeps memory bounded to two batches.
    writing = current.length > 0 ? storeBatch(target, current, totals) : null;
  };
  const query = { uid: true, flags: true, size: true, internalDate: true, source: true };
  try {
    for await (const message of target.client.fetch(range, query, { uid: true })) {
      seen.push(message.uid);
      if (!wanted(message.uid) || !message.source) continue;
      batch.push(fetched(message.uid, message.source, message.flags, message.modseq, message.internalDate));
      batchBytes += message.source.length;
      if (batch.length >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) await flush();
    }
    await flush();
  } finally {
    await (writing as Promise<void> | null)?.catch(() => {});
  }
  await writing;
  return { seen, stored: totals.stored, bytes: totals.bytes };
}

function fetched(
  uid: number,
  source: Buffer,
  flags: Set<string> | undefined,
  modseq: bigint | undefined,
  internalDate: Date | string | undefined,
): Fetched {
  const { system, keywords } = splitServerFlags(flags ?? []);
  const date = internalDate ? new Date(internalDate) : undefined;
  return {
    record: {
      base: uniqueBase(),
      uid,
      flags: system,
      keywords,
      modseq: modseq === undefined ? null : String(modseq),
      size: source.length,
      messageId: messageIdOf(source),
      synced: false,
    },
    source,
    date: date && !Number.isNaN(date.getTime()) ? date : undefined,
  };
}

async function storeBatch(
  target: DownloadTarget,
  batch: Fetched[],
  totals: { stored: number; bytes: number },
) {
  const { state, account, name } = target;
  state.transaction(() => {
    for (const m of batch) state.imap.putMessage(account, name, m.record);
  });
  const done: Fetched[] = [];
  let next = 0;
  let failure: unknown = null;
  const worker = async () => {
    while (next < batch.length && failure === null) {
      const m = batch[next++]!;
      try {
        await target.maildir.deliver(m.source, { base: m.record.base, flags: m.record.flags, mtime: m.date });
        target.faults?.afterStore?.(`${name}/${m.record.uid}`);
        done.push(m);
        target.progress.advance(m.source.length);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, batch.length) }, worker));
  state.transaction(() => {
    for (const m of done) state.imap.putMessage(account, name, { ...m.record, synced: true });
  });
  totals.stored += done.length;
  for (const m of done) totals.bytes += m.source.length;
  if (failure !== null) throw failure;
}
