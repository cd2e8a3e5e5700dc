/**
 * The one path by which bytes become a stored message (LMTP, SMTP, `postyard deliver`, `import`, IMAP
 * APPEND): read within the size limit, normalise to CRLF, write the blob durably, parse once.
 *
 * Line endings: stored messages always use CRLF (see line-endings.ts), so RFC822.SIZE and part offsets
 * are what IMAP clients and Dovecot expect. `maxSize` applies to the bytes as received.
 */
import type { Readable } from 'node:stream';
import { BadInputError } from '../../lib/errors.js';
import { analyzeMessage } from '../../mime/index.js';
import type { BlobRef, IngestMeta, Store } from '../../store/store.js';
import { toCrlf } from './line-endings.js';
import { readLimited } from './read-limited.js';

export interface IngestOptions {
  /** Largest accepted input in bytes (limits.maxMessageSize); TooBigError beyond it. */
  maxSize: number;
  /** Header text prepended to the message, e.g. a Received: trace field ending in CRLF. */
  prepend?: string;
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
  const received = toCrlf(await readLimited(input, opts.maxSize));
  assertNoNulInHeader(received);
  const raw = opts.prepend ? Buffer.concat([Buffer.from(opts.prepend, 'latin1'), received]) : received;
  // Start the durable write (threadpool) first and parse on the main thread meanwhile.
  const written = store.blobs.put(raw);
  written.catch(() => {});
  const meta = analyzeMessage(raw);
  return { blob: await written, meta };
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
