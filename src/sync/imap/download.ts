/**
 * Downloading messages into a Maildir folder: one UID FETCH streams them all (no round trip per
 * message), and up to DELIVERY_CONCURRENCY files are written and fsynced at once on libuv's thread
 * pool while the next ones arrive. Each message is recorded first as in flight (synced = 0) and
 * marked synced once its file is in place, so a crash in between neither loses nor duplicates it.
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

export interface DownloadTarget {
  client: ImapFlow;
  state: SyncState;
  account: string;
  name: string;
  maildir: MaildirFolder;
  progress: SyncProgress;
  faults?: FaultHooks;
}

/** Fetches `range` (UIDs) and stores every message `wanted` accepts; returns UIDs seen and stored. */
export async function downloadMessages(
  target: DownloadTarget,
  range: string,
  wanted: (uid: number) => boolean,
): Promise<{ seen: number[]; stored: number; bytes: number }> {
  const seen: number[] = [];
  let stored = 0;
  let bytes = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: unknown = null;
  const query = { uid: true, flags: true, size: true, internalDate: true, source: true };
  try {
    for await (const message of target.client.fetch(range, query, { uid: true })) {
      seen.push(message.uid);
      if (failure) break;
      if (!wanted(message.uid) || !message.source) continue;
      const source = message.source;
      const date = message.internalDate ? new Date(message.internalDate) : undefined;
      const delivery = storeOne(target, message.uid, source, message.flags ?? new Set(), message.modseq, date)
        .then(() => {
          stored++;
          bytes += source.length;
          target.progress.advance(source.length);
        })
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(delivery));
      inFlight.add(delivery);
      if (inFlight.size >= DELIVERY_CONCURRENCY) await Promise.race(inFlight);
    }
  } finally {
    await Promise.all(inFlight);
  }
  if (failure) throw failure;
  return { seen, stored, bytes };
}

async function storeOne(
  target: DownloadTarget,
  uid: number,
  source: Buffer,
  flags: Set<string>,
  modseq: bigint | undefined,
  date: Date | undefined,
): Promise<void> {
  const { system, keywords } = splitServerFlags(flags);
  const record: MessageRecord = {
    base: uniqueBase(),
    uid,
    flags: system,
    keywords,
    modseq: modseq === undefined ? null : String(modseq),
    size: source.length,
    messageId: messageIdOf(source),
    synced: false,
  };
  target.state.imap.putMessage(target.account, target.name, record);
  const valid = date && !Number.isNaN(date.getTime()) ? date : undefined;
  await target.maildir.deliver(source, { base: record.base, flags: system, mtime: valid });
  target.faults?.afterStore?.(`${target.name}/${uid}`);
  target.state.imap.putMessage(target.account, target.name, { ...record, synced: true });
}
