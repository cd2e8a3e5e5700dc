/**
 * Resumable POP3 line receiver (RFC 1939 3: commands are CRLF-terminated lines; RFC 2449 4 bounds
 * their length). Push bytes as they arrive, take complete lines out. Chunk boundaries never matter.
 * A line longer than `maxLineLength` yields one `too-long` event as soon as the limit is passed; its
 * remaining bytes are discarded up to the next LF, so memory stays bounded by the limit.
 */
export type ReceivedLine = { kind: 'line'; line: Buffer } | { kind: 'too-long' };

const LF = 0x0a;
const CR = 0x0d;

export class LineReceiver {
  private readonly chunks: Buffer[] = [];
  /** Read position inside chunks[0]. */
  private offset = 0;
  /** Bytes of the current, still incomplete line (never more than maxLineLength in total). */
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** Inside an over-long line: drop bytes until its LF. */
  private discarding = false;
  private tooLongPending = false;

  constructor(private readonly maxLineLength: number) {}

  push(chunk: Buffer): void {
    if (chunk.length > 0) this.chunks.push(chunk);
  }

  /** Drops everything received but not yet taken (RFC 2595 4: no plaintext survives STLS). */
  clear(): void {
    this.chunks.length = 0;
    this.offset = 0;
    this.resetPartial();
    this.discarding = false;
    this.tooLongPending = false;
  }

  /** True when bytes are buffered that have not been returned as a line yet. */
  hasPendingBytes(): boolean {
    return this.chunks.length > 0 || this.partialLength > 0;
  }

  /** The next complete line (without CRLF / LF), a `too-long` event, or undefined for "need more". */
  next(): ReceivedLine | undefined {
    for (;;) {
      if (this.tooLongPending) {
        this.tooLongPending = false;
        return { kind: 'too-long' };
      }
      const chunk = this.chunks[0];
      if (!chunk) return undefined;
      const lf = chunk.indexOf(LF, this.offset);
      if (lf === -1) {
        this.take(chunk.subarray(this.offset));
        this.chunks.shift();
        this.offset = 0;
        continue;
      }
      const piece = chunk.subarray(this.offset, lf);
      this.offset = lf + 1;
      if (this.offset >= chunk.length) {
        this.chunks.shift();
        this.offset = 0;
      }
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      if (this.partialLength + piece.length > this.maxLineLength + 1) {
        // +1 allows the CR of the CRLF; the event for this line was not sent yet.
        this.resetPartial();
        return { kind: 'too-long' };
      }
      const line = this.partialLength === 0 ? piece : Buffer.concat([...this.partial, piece]);
      this.resetPartial();
      const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
      if (end > this.maxLineLength) return { kind: 'too-long' };
      return { kind: 'line', line: line.subarray(0, end) };
    }
  }

  private take(bytes: Buffer): void {
    if (this.discarding || bytes.length === 0) return;
    if (this.partialLength + bytes.length > this.maxLineLength + 1) {
      this.resetPartial();
      this.discarding = true;
      this.tooLongPending = true;
      return;
    }
    // Copy: the caller may reuse its buffer, and we must not pin a large chunk for a few bytes.
    this.partial.push(Buffer.from(bytes));
    this.partialLength += bytes.length;
  }

  private resetPartial(): void {
    this.partial = [];
    this.partialLength = 0;
  }
}
