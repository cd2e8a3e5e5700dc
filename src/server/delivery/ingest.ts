/**
 * The one path by which bytes become a stored message (LMTP, SMTP, `postyard deliver`, `import`, IMAP
 * APPEND): read within the size limit, normalise to CRLF, write the blob durably (or, small, stage it to be
 * written with the message: BlobStore.stage), parse once.
 *
 * Line endings: stored messages use CRLF (see line-endings.ts), so RFC822.SIZE and part offsets are what
 * IMAP clients and Dovecot expect; binary input (APPEND literal8) is kept byte for byte instead, but for
 * its parts IMAP could not send in BODY[], stored base64-encoded (mime/binary-encode.ts).
 * `maxSize` applies to the bytes as received.
 */
import { PassThrough, type Readable } from 'node:stream';
import { BadInputError, TempError } from '../../lib/errors.js';
import { analyzeMessage, encodeBinaryParts, StreamingAnalyzer } from '../../mime/index.js';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import type { BlobRef, Store } from '../../store/store.js';
import { CrlfNormalizer, toCrlf } from './line-endings.js';
import { readLimited, tooBig } from './read-limited.js';

/**
 * Streamed input up to this many bytes (after CRLF normalisation) is held in memory and handled whole
 * (one blob write, analyzeMessage); beyond it the message streams to the blob and through
 * StreamingAnalyzer, so memory stays bounded whatever the message size.
 */
export const STREAM_THRESHOLD = 4 * 1024 * 1024;

export interface IngestOptions {
  /** Largest accepted input in bytes (limits.maxMessageSize); TooBigError beyond it. */
  maxSize: number;
  /** Header text prepended to the message, e.g. a Received: trace field ending in CRLF. */
  prepend?: string;
  /** Overrides STREAM_THRESHOLD (tests). */
  streamThreshold?: number;
  /**
   * The bytes are binary data (IMAP APPEND with a literal8, RFC 3516): no CRLF normalisation, and parts
   * declared binary or holding NUL are base64-encoded (encodeBinaryParts). Read whole (within maxSize).
   */
  binary?: boolean;
}

export interface IngestedMessage {
  blob: BlobRef;
  meta: IngestMeta;
}

export async function ingestMessage(
  store: Store,
  input: Buffer | Readable,
  opts: IngestOptions,
): Promise<IngestedMessage> {
  if (opts.binary) return ingestWhole(store, encodeBinaryParts(await readLimited(input, opts.maxSize)), opts);
  if (Buffer.isBuffer(input)) return ingestWhole(store, toCrlf(await readLimited(input, opts.maxSize)), opts);
  return ingestStream(store, input, opts);
}

/** The message in memory (CRLF, or binary made sendable): blob write and analysis side by side. */
async function ingestWhole(store: Store, received: Buffer, opts: IngestOptions): Promise<IngestedMessage> {
  assertNoNulInHeader(received);
  const raw = opts.prepend ? Buffer.concat([Buffer.from(opts.prepend, 'latin1'), received]) : received;
  // A small message's bytes go into the store's commit (stage); otherwise start the durable write
  // (threadpool) first and parse on the main thread meanwhile.
  const staged = store.blobs.stage?.(raw);
  if (staged) return { blob: staged, meta: analyzeMessage(raw) };
  const written = store.blobs.put(raw);
  written.catch(() => {});
  const meta = analyzeMessage(raw);
  return { blob: await written, meta };
}

/**
 * The durable blob alone, without analysis, for a message no mailbox will hold (submission to remote
 * recipients only): the queue needs its bytes, not ENVELOPE, BODYSTRUCTURE or search text, and parsing
 * 25 KB costs the event loop more than the rest of the submission. `message` is CRLF already.
 */
export async function storeUnanalyzed(store: Store, message: Buffer, prepend = ''): Promise<BlobRef> {
  assertNoNulInHeader(message);
  const raw = prepend ? Buffer.concat([Buffer.from(prepend, 'latin1'), message]) : message;
  return store.blobs.stage?.(raw) ?? store.blobs.put(raw);
}

/**
 * A streamed message: read within the size limit and normalised chunk by chunk. Small ones end up in
 * ingestWhole; once past the threshold, the bytes held so far and every later chunk go to the blob
 * (a stream into store.blobs.put, with backpressure to the input) and to a StreamingAnalyzer, and are
 * not kept. Over maxSize or with a NUL in the header, the blob write is aborted and the input is still
 * drained to its end (an SMTP/LMTP DATA stream must be consumed before the reply).
 */
function ingestStream(store: Store, input: Readable, opts: IngestOptions): Promise<IngestedMessage> {
  const threshold = opts.streamThreshold ?? STREAM_THRESHOLD;
  const maxSize = opts.maxSize;
  return new Promise((resolve, reject) => {
    const crlf = new CrlfNormalizer();
    const nul = new HeaderNulScanner();
    let received = 0;
    let held: Buffer[] = [];
    let heldSize = 0;
    let out: PassThrough | null = null;
    let written: Promise<BlobRef> | null = null;
    let analyzer: StreamingAnalyzer | null = null;
    let badInput = false;
    let writeError: Error | null = null;
    let finished = false;

    const abortBlob = (err: Error): void => {
      held = [];
      if (out && !out.destroyed) out.destroy(err);
      if (input.isPaused()) input.resume();
      analyzer = null;
    };
    const finish = (err: Error | null, value?: IngestedMessage): void => {
      if (finished) return;
      finished = true;
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('error', onError);
      input.off('close', onClose);
      if (err) {
        abortBlob(err);
        reject(err);
      } else resolve(value as IngestedMessage);
    };
    const startStreaming = (): void => {
      const stream = new PassThrough({ highWaterMark: 256 * 1024 });
      out = stream;
      analyzer = new StreamingAnalyzer();
      written = store.blobs.put(stream);
      written.catch((err: Error) => {
        writeError ??= err;
        abortBlob(err);
      });
      stream.on('error', () => {}); // reported through `written`
      if (opts.prepend) write(Buffer.from(opts.prepend, 'latin1'));
      for (const chunk of held) write(chunk);
      held = [];
    };
    const write = (chunk: Buffer): void => {
      const stream = out as PassThrough;
      analyzer?.push(chunk);
      if (!stream.write(chunk) && !input.isPaused()) {
        input.pause();
        stream.once('drain', () => input.resume());
      }
    };
    const onData = (chunk: Buffer | string): void => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'binary') : chunk;
      received += buf.length;
      if (received > maxSize || badInput || writeError) {
        if (out || held.length > 0) abortBlob(tooBig(maxSize));
        return; // drained, not kept
      }
      const norm = crlf.push(buf);
      if (nul.push(norm)) {
        badInput = true;
        abortBlob(new BadInputError('Message header contains a NUL character'));
        return;
      }
      if (out) {
        write(norm);
        return;
      }
      held.push(norm);
      heldSize += norm.length;
      if (heldSize > threshold) startStreaming();
    };
    const onEnd = (): void => {
      if (received > maxSize || badInput || writeError) {
        if (received > maxSize) finish(tooBig(maxSize));
        else if (badInput) finish(new BadInputError('Message header contains a NUL character'));
        else finish(writeError);
        return;
      }
      if (!out) {
        const whole = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held, heldSize);
        held = [];
        ingestWhole(store, whole, opts).then(
          (value) => finish(null, value),
          (err: Error) => finish(err),
        );
        return;
      }
      const stream: PassThrough = out;
      const streamed = analyzer?.finish() ?? null;
      stream.end();
      (written as Promise<BlobRef>)
        .then(
          async (blob) => {
            // The analyzer gave up (pathological headers): analyse the stored message whole instead.
            const meta = streamed ?? analyzeMessage(await store.blobs.read(blob.id));
            finish(null, { blob, meta });
          },
          (err: Error) => finish(err),
        )
        .catch((err: Error) =>
          finish(new TempError(`message analysis failed: ${err.message}`, { cause: err })),
        );
    };
    const onError = (err: Error): void =>
      finish(new TempError(`message input failed: ${err.message}`, { cause: err }));
    const onClose = (): void => {
      if (!input.readableEnded) finish(new TempError('message input closed before its end'));
    };
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.on('close', onClose);
  });
}

/** assertNoNulInHeader over chunks: true once a NUL appears before the first CRLFCRLF. */
class HeaderNulScanner {
  private done = false;
  private tail = Buffer.alloc(0);

  push(chunk: Buffer): boolean {
    if (this.done || chunk.length === 0) return false;
    const data = this.tail.length > 0 ? Buffer.concat([this.tail, chunk]) : chunk;
    const headerEnd = data.indexOf('\r\n\r\n');
    const nul = data.indexOf(0);
    if (nul !== -1 && (headerEnd === -1 || nul < headerEnd)) return true;
    if (headerEnd !== -1) {
      this.done = true;
      this.tail = Buffer.alloc(0);
    } else {
      this.tail = Buffer.from(data.subarray(Math.max(0, data.length - 3)));
    }
    return false;
  }
}

/**
 * RFC 5322 2.2 forbids NUL in header fields, and IMAP cannot send it in a literal (RFC 9051 4.3);
 * such a message is refused with a clear reply rather than stored. NUL in a body is left to the
 * protocol layers (IMAP BINARY / literal8).
 */
function assertNoNulInHeader(message: Buffer): void {
  const headerEnd = message.indexOf('\r\n\r\n');
  const nul = message.indexOf(0);
  if (nul !== -1 && (headerEnd === -1 || nul < headerEnd)) {
    throw new BadInputError('Message header contains a NUL character');
  }
}
