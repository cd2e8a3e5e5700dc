/**
 * ASCII response bytes written straight into Buffers: for answers made of digits and cached byte strings
 * (FETCH from the flag index), no string per line is built, concatenated and then UTF-8 encoded.
 */
const CHUNK = 64 * 1024;

export class AsciiOut {
  private buf = Buffer.allocUnsafe(CHUNK);
  private n = 0;
  private chunks: Buffer[] = [];

  /** Makes room for `bytes` more in one piece (an upper bound of what the caller writes next). */
  reserve(bytes: number): void {
    if (this.n + bytes <= this.buf.length) return;
    this.cut();
    this.buf = Buffer.allocUnsafe(Math.max(CHUNK, bytes));
  }

  bytes(data: Uint8Array): void {
    const buf = this.buf;
    let n = this.n;
    // A loop beats a native copy call for the few bytes of a FETCH item.
    for (let i = 0; i < data.length; i++) buf[n++] = data[i] as number;
    this.n = n;
  }

  /** A non-negative integer in decimal (MODSEQ may exceed 32 bits). */
  uint(value: number): void {
    let digits = 1;
    for (let t = value; t >= 10; t = Math.floor(t / 10)) digits++;
    const buf = this.buf;
    let v = value;
    for (let i = this.n + digits - 1; i >= this.n; i--) {
      const q = Math.floor(v / 10);
      buf[i] = 48 + (v - q * 10);
      v = q;
    }
    this.n += digits;
  }

  /** The bytes written so far, as chunks the caller now owns; writing starts afresh. */
  take(): Buffer[] {
    this.cut();
    const chunks = this.chunks;
    this.chunks = [];
    return chunks;
  }

  private cut(): void {
    if (this.n === 0) return;
    this.chunks.push(this.buf.subarray(0, this.n));
    this.buf = this.buf.subarray(this.n);
    this.n = 0;
  }
}
