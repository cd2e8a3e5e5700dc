/**
 * Byte-stuffing of a multi-line response body (RFC 1939 3): every line starting with "." gets one more,
 * bare LF becomes CRLF, the body ends with CRLF even when the message did not, then ".CRLF" follows.
 * A bare CR is passed through unchanged. The core is incremental (no whole-message buffering) and returns
 * the input chunk itself when nothing needs changing, which is the common case for CRLF mail.
 */
import { Transform, type TransformCallback } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const CRLF = Buffer.from('\r\n');
const EXTRA_DOT = Buffer.from('.');
const TERMINATOR = Buffer.from('.\r\n');
const LF_TERMINATOR = Buffer.from('\n.\r\n');
const CRLF_TERMINATOR = Buffer.from('\r\n.\r\n');

export class DotStuffer {
  private atLineStart = true;
  private lastWasCR = false;

  push(chunk: Buffer): Buffer {
    if (chunk.length === 0) return chunk;
    const parts: Buffer[] = [];
    let start = 0;
    if (this.atLineStart && chunk[0] === DOT) parts.push(EXTRA_DOT);
    let lf = chunk.indexOf(LF);
    while (lf !== -1) {
      const afterCR = lf > 0 ? chunk[lf - 1] === CR : this.lastWasCR;
      if (!afterCR) {
        parts.push(chunk.subarray(start, lf), CRLF);
        start = lf + 1;
      }
      if (lf + 1 < chunk.length && chunk[lf + 1] === DOT) {
        parts.push(chunk.subarray(start, lf + 1), EXTRA_DOT);
        start = lf + 1;
      }
      lf = chunk.indexOf(LF, lf + 1);
    }
    const last = chunk[chunk.length - 1];
    this.atLineStart = last === LF;
    this.lastWasCR = last === CR;
    if (parts.length === 0) return chunk;
    parts.push(chunk.subarray(start));
    return Buffer.concat(parts);
  }

  /** The end of the body: a CRLF if the last line was unterminated, then ".CRLF". */
  end(): Buffer {
    if (this.atLineStart) return TERMINATOR;
    return this.lastWasCR ? LF_TERMINATOR : CRLF_TERMINATOR;
  }
}

/** Stuffs a whole (small) body in one call, terminator included. */
export function dotStuff(body: Buffer): Buffer {
  const stuffer = new DotStuffer();
  const stuffed = stuffer.push(body);
  return Buffer.concat([stuffed, stuffer.end()]);
}

/** Stream form, for bodies too large to hold in memory; backpressure is the ordinary Transform kind. */
export class DotStuffTransform extends Transform {
  private readonly stuffer = new DotStuffer();

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    callback(null, this.stuffer.push(chunk));
  }

  override _flush(callback: TransformCallback): void {
    callback(null, this.stuffer.end());
  }
}
