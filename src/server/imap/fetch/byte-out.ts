/**
 * Response bytes written straight into Buffers: for answers made of digits, cached byte strings and the
 * stored ENVELOPE/BODYSTRUCTURE texts (FETCH), no string per line is built, concatenated and then UTF-8
 * encoded in one piece (flattening thousands of concatenated strings was most of a big FETCH's time).
 */
const CHUNK = 64 * 1024;

export class ByteOut {
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

  /** A string as UTF-8: one native copy for the flat strings SQLite hands out, with no joined string. */
  text(value: string): void {
    // A UTF-16 unit never takes more than 3 UTF-8 bytes (a surrogate pair takes 4 for its 2 units).
    this.reserve(value.length * 3);
    this.n += this.buf.write(value, this.n, 'utf8');
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
