/**
 * The import loop: every message goes through the one ingest path (size limit, CRLF, durable blob,
 * parse once), then store.append with its flags and INTERNALDATE.
 *
 * Resumable and idempotent: a message whose exact bytes (so Message-ID, size and hash) already back a
 * message of the target mailbox is skipped, so running the same import again after a stop (quota,
 * Ctrl-C, a crash) adds only what is missing, and identical copies inside one source are imported once.
 *
 * Speed: messages are ingested a batch at a time in parallel (blob writes use the threadpool), then the
 * batch's appends are issued in source order within one event-loop turn, so the store's group commit
 * makes them one transaction and one fsync, and assigns UIDs in call order (mbox/Maildir order).
 */
import { MailError } from '../../lib/errors.js';
import type { Store } from '../../store/store.js';
import { describeError } from '../exit.js';
import type { Progress } from './progress.js';
import type { SourceMessage } from './sources.js';

const BATCH_MESSAGES = 32;
/** Bounds memory when messages are large: a batch is flushed once it holds this many bytes. */
const BATCH_BYTES = 64 * 1024 * 1024;
/** Per-message problems that skip the message; anything else (quota, disk, store) stops the import. */
const SKIPPABLE = new Set(['TOO_BIG', 'BAD_INPUT']);

export interface ImportTarget {
  accountId: number;
  mailboxId: number;
}

export interface ImportResult {
  imported: number;
  /** Already in the mailbox (an earlier run, or an identical copy earlier in this source). */
  alreadyThere: number;
  /** Refused one by one (too big, malformed header). */
  failed: number;
  bytes: number;
  ms: number;
  /** The error that ended the import early, if any. */
  stoppedBy: unknown;
}

type IngestFn = typeof import('../../server/delivery/ingest.js')['ingestMessage'];
type Ingested = Awaited<ReturnType<IngestFn>>;
type Settled = { message: SourceMessage; ingested?: Ingested; error?: unknown };

export async function importMessages(
  store: Store,
  target: ImportTarget,
  messages: AsyncIterable<SourceMessage>,
  options: { maxSize: number; progress: Progress; shouldStop?: () => unknown },
): Promise<ImportResult> {
  // Loaded lazily with the MIME engine it pulls in; only import needs it.
  const { ingestMessage } = await import('../../server/delivery/ingest.js');
  const started = Date.now();
  const result: ImportResult = { imported: 0, alreadyThere: 0, failed: 0, bytes: 0, ms: 0, stoppedBy: null };
  let batch: Promise<Settled>[] = [];
  let batchBytes = 0;
  let ordinal = 0;

  const flush = async () => {
    const settled = await Promise.all(batch);
    batch = [];
    batchBytes = 0;
    const ids = settled.flatMap((s) => (s.ingested ? [s.ingested.blob.id] : []));
    const present = ids.length > 0 ? await store.blobsInMailbox(target.mailboxId, ids) : new Set<string>();
    const duplicate = (s: Settled) => {
      const id = s.ingested?.blob.id;
      if (id === undefined) return false;
      if (present.has(id)) return true;
      present.add(id); // a second identical copy later in this batch
      return false;
    };
    const todo = settled.map((s) => !duplicate(s));
    // All appends issued before the first await: one group commit, UIDs in source order.
    const appended = await Promise.all(
      settled.map((s, i) => (s.ingested ? (todo[i] ? append(store, target, s) : null) : s.error)),
    );
    settled.forEach((s, i) => {
      ordinal++;
      const error = appended[i];
      if (s.ingested && !todo[i]) result.alreadyThere++;
      else if (error === null && s.ingested) {
        result.imported++;
        result.bytes += s.ingested.blob.size;
      } else if (!s.ingested && isSkippable(error)) {
        result.failed++;
        console.error(`postyard: import: message ${ordinal} not imported: ${describeError(error)}`);
      } else {
        result.stoppedBy ??= error;
      }
    });
    const last = settled[settled.length - 1];
    if (last) options.progress.update(last.message.done, result.imported, result.bytes);
  };

  try {
    for await (const message of messages) {
      batch.push(
        ingestMessage(store, message.data, { maxSize: options.maxSize }).then(
          (ingested) => ({ message, ingested }),
          (error: unknown) => ({ message, error }),
        ),
      );
      batchBytes += message.data.length;
      if (batch.length >= BATCH_MESSAGES || batchBytes >= BATCH_BYTES) {
        await flush();
        result.stoppedBy ??= options.shouldStop?.() ?? null;
        if (result.stoppedBy) break;
      }
    }
    if (!result.stoppedBy) await flush();
  } catch (err) {
    // Reading the source failed midway (unreadable file): report what was done so far.
    result.stoppedBy ??= err;
  }
  options.progress.finish();
  result.ms = Date.now() - started;
  return result;
}

/** Resolves with null on success, or the error (never rejects, so one failure cannot hide the others). */
function append(store: Store, target: ImportTarget, { message, ingested }: Settled): Promise<unknown> {
  return store
    .append({
      ...target,
      blob: ingested!.blob,
      meta: ingested!.meta,
      flags: message.flags,
      internalDate: message.internalDate ?? dateOrNow(ingested!.meta.sentDate),
    })
    .then(
      () => null,
      (error: unknown) => error ?? new Error('append failed'),
    );
}

function isSkippable(error: unknown): boolean {
  return error instanceof MailError && SKIPPABLE.has(error.code);
}

function dateOrNow(ms: number | null): Date {
  return ms === null ? new Date() : new Date(ms);
}
