/**
 * Resumable IMAP command receiver (RFC 9051 §2.2, §4.3 literals; RFC 7888 LITERAL+/-; RFC 3516 literal8).
 * Work in progress: the public API below is stable; the implementation lands next.
 */
import type { ReceiverEvent, ReceiverOptions } from './receiver-events.js';
import { defaultReceiverOptions } from './receiver-events.js';

export class ImapReceiver {
  readonly options: ReceiverOptions;
  constructor(options: Partial<ReceiverOptions> = {}) {
    this.options = { ...defaultReceiverOptions, ...options };
  }
  /** Appends received bytes (the buffer may be reused by the caller after next() drained it). */
  push(_chunk: Buffer): void {}
  /** The next event, or undefined when more bytes are needed. */
  next(): ReceiverEvent | undefined {
    return undefined;
  }
  /** Bytes buffered and not yet consumed: pause the socket when this grows. */
  get bufferedBytes(): number {
    return 0;
  }
  /** After answering `+ idling` to IDLE: watch for DONE. */
  startIdle(): void {}
  /** After sending a `+ ...` continuation for AUTHENTICATE: the next line is a continuation line. */
  expectContinuationLine(): void {}
  /** After answering NO to an APPEND: skip (or discard) the rest of that command. */
  abortAppend(): void {}
  /** Drops all buffered bytes (STARTTLS: bytes sent before the handshake must not be used). */
  discardBuffered(): void {}
  /** Switch UTF-8 acceptance in quoted strings (after ENABLE IMAP4rev2 / UTF8=ACCEPT). */
  setUtf8(_on: boolean): void {}
}
