/**
 * A submitted message (RFC 6409) from an authenticated user: the From: authors must be the user's own
 * addresses, then one blob (DKIM-signed for the author's domain when it has a key, with our Received
 * field) serves both halves: local recipients are delivered into the store as any delivery, remote ones
 * go into the outgoing queue. Both are committed before the 250 that acknowledges them.
 */
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { type MailError, TempError, toMailError } from '../../lib/errors.js';
import type { BlobRef, DsnNotify, QueuedMessage } from '../../store/store.js';
import type { ServerContext } from '../context.js';
import { type RecipientOutcome, storeForAccounts } from './deliver-message.js';
import { type IngestedMessage, ingestMessage, storeUnanalyzed } from './ingest.js';
import { toCrlf } from './line-endings.js';
import { readLimited } from './read-limited.js';
import { buildReceivedHeader, type ReceivedInfo } from './received-header.js';
import { lookupRecipient } from './recipients.js';
import { foreignAuthor, fromAddresses } from './sender-policy.js';

export interface SubmittedRecipient {
  address: string;
  notify?: DsnNotify[];
  orcpt?: string | null;
}

export interface SubmitRequest {
  /** The authenticated login. */
  user: string;
  from: string;
  recipients: SubmittedRecipient[];
  ret: 'FULL' | 'HDRS' | null;
  envid: string | null;
  input: Readable | Buffer;
  received: Omit<ReceivedInfo, 'hostname' | 'recipient'>;
  log: Logger;
}

export type SubmitResult =
  /** From: names someone else: 553 5.7.1 for the whole message. */
  | { kind: 'foreign-author'; author: string }
  | { kind: 'error'; error: MailError }
  | { kind: 'done'; local: RecipientOutcome[]; queued: QueuedMessage | null };

export async function submitMessage(ctx: ServerContext, req: SubmitRequest): Promise<SubmitResult> {
  let raw: Buffer;
  try {
    raw = await readLimited(req.input, ctx.config.limits.maxMessageSize);
  } catch (err) {
    return { kind: 'error', error: toMailError(err) };
  }
  const author = foreignAuthor(req.user, raw);
  if (author) return { kind: 'foreign-author', author };

  const lookups = await Promise.all(
    req.recipients.map((r) =>
      lookupRecipient(ctx.store, ctx.config, r.address).catch((e: unknown) => toMailError(e)),
    ),
  );
  const localIndexes = lookups.flatMap((l, i) => (l instanceof Error || l.kind === 'local' ? [i] : []));
  const remote = req.recipients.filter((_, i) => {
    const l = lookups[i]!;
    return !(l instanceof Error) && l.kind === 'other-domain';
  });

  const trace = buildReceivedHeader({ ...req.received, hostname: ctx.config.hostname });
  // Parsed only when a local mailbox will hold it; the queue needs the blob alone.
  let message: IngestedMessage | null = null;
  let blob: BlobRef;
  try {
    // CRLF before signing: the signature must match the bytes as stored and sent.
    const withTrace = toCrlf(Buffer.concat([Buffer.from(trace, 'latin1'), raw]));
    const signature = await dkimSignature(ctx, withTrace, req, raw);
    if (localIndexes.length === 0) blob = await storeUnanalyzed(ctx.store, withTrace, signature);
    else {
      message = await ingestMessage(ctx.store, withTrace, {
        maxSize: Number.MAX_SAFE_INTEGER,
        prepend: signature,
      });
      blob = message.blob;
    }
  } catch (err) {
    const error = toMailError(err);
    req.log.error({ err: error }, 'submission ingest failed');
    return { kind: 'error', error };
  }

  const queuing =
    remote.length > 0
      ? ctx.store.enqueue({
          blob,
          sender: req.from,
          ret: req.ret,
          envid: req.envid,
          recipients: remote.map((r) => ({ address: r.address, notify: r.notify, orcpt: r.orcpt ?? null })),
          ...(ctx.outgoing ? { now: ctx.outgoing.now() } : {}),
        })
      : Promise.resolve(null);
  const localRecipients = localIndexes.map((i) => req.recipients[i]!.address);
  const delivering =
    message && localRecipients.length > 0
      ? storeForAccounts(
          ctx,
          message,
          localRecipients,
          localIndexes.map((i) => {
            const l = lookups[i]!;
            return l instanceof Error ? l : l.kind === 'local' ? l.account : null;
          }),
          undefined,
          req.log,
          req.from,
        )
      : Promise.resolve([]);
  const [queued, local] = await Promise.allSettled([queuing, delivering]);
  if (queued.status === 'rejected') {
    const error = toMailError(queued.reason);
    req.log.error({ err: error }, 'could not queue the message');
    return {
      kind: 'error',
      error: error.code === 'TEMP' ? error : new TempError('queue write failed', { cause: error }),
    };
  }
  if (local.status === 'rejected') return { kind: 'error', error: toMailError(local.reason) };
  if (queued.value) {
    req.log.info(
      { queueId: queued.value.id, from: req.from, to: remote.map((r) => r.address), size: blob.size },
      'queued',
    );
    ctx.outgoing?.queued(queued.value);
  }
  return { kind: 'done', local: local.value, queued: queued.value };
}

/** Signs for the first author's domain (DMARC aligns with From:), else the envelope sender's. */
async function dkimSignature(
  ctx: ServerContext,
  message: Buffer,
  req: SubmitRequest,
  raw: Buffer,
): Promise<string> {
  if (!ctx.dkim) return '';
  const author = fromAddresses(raw)[0] ?? req.from;
  const domain = author.slice(author.lastIndexOf('@') + 1).toLowerCase();
  if (!domain) return '';
  try {
    return await ctx.dkim.sign(message, domain);
  } catch (err) {
    // An unusable key must not stop mail: it goes unsigned and the log says why.
    req.log.error({ err, domain }, 'DKIM signing failed; sending unsigned');
    return '';
  }
}
