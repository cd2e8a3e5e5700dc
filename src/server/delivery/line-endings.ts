/**
 * Line-ending normalisation at ingest.
 *
 * Messages are stored with CRLF line endings, as IMAP and Dovecot expect: RFC822.SIZE and every
 * section offset count CRLF lines (RFC 9051 2.3.4), and POP3/IMAP send the stored bytes as they are.
 * SMTP DATA and LMTP already arrive as CRLF (RFC 5321 2.3.8); `postyard deliver` / `import` input from
 * Unix tools usually has bare LF, which becomes CRLF here. A lone CR is left untouched.
 */
import { Transform } from 'node:stream';

const LF = 0x0a;
const CR = 0x0d;

/** Number of LF bytes not preceded by CR. */
export function countBareLineFeeds(data: Buffer): number {
  let count = 0;
  let pos = data.indexOf(LF);
  while (pos !== -1) {
    if (pos === 0 || data[pos - 1] !== CR) count++;
    pos = data.indexOf(LF, pos + 1);
  }
  return count;
}

/** Returns `data` itself when it is already CRLF-only, else a copy with every bare LF turned into CRLF. */
export function toCrlf(data: Buffer): Buffer {
  const bare = countBareLineFeeds(data);
  if (bare === 0) return data;
  const out = Buffer.allocUnsafe(data.length + bare);
  let written = 0;
  let start = 0;
  let pos = data.indexOf(LF);
  while (pos !== -1) {
    if (pos === 0 || data[pos - 1] !== CR) {
      written += data.copy(out, written, start, pos);
      out[written++] = CR;
      start = pos;
    }
    pos = data.indexOf(LF, pos + 1);
  }
  written += data.copy(out, written, start);
  return out.subarray(0, written);
}

/**
 * toCrlf for a message that arrives in chunks: push each chunk, get its normalised bytes. A CR at the
 * end of one chunk and the LF at the start of the next stay one CRLF (the previous byte is remembered),
 * so the concatenated output is exactly toCrlf of the concatenated input.
 */
export class CrlfNormalizer {
  private prevCr = false;

  push(data: Buffer): Buffer {
    if (data.length === 0) return data;
    let bare = 0;
    for (let pos = data.indexOf(LF); pos !== -1; pos = data.indexOf(LF, pos + 1)) {
      if (pos === 0 ? !this.prevCr : data[pos - 1] !== CR) bare++;
    }
    const prevCr = this.prevCr;
    this.prevCr = data[data.length - 1] === CR;
    if (bare === 0) return data;
    const out = Buffer.allocUnsafe(data.length + bare);
    let written = 0;
    let start = 0;
    for (let pos = data.indexOf(LF); pos !== -1; pos = data.indexOf(LF, pos + 1)) {
      if (pos === 0 ? !prevCr : data[pos - 1] !== CR) {
        written += data.copy(out, written, start, pos);
        out[written++] = CR;
        start = pos;
      }
    }
    written += data.copy(out, written, start);
    return out;
  }
}

/** The same as a stream Transform (bytes in, CRLF-normalised bytes out). */
export function crlfTransform(): Transform {
  const normalizer = new CrlfNormalizer();
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'binary') : chunk;
      callback(null, normalizer.push(buf));
    },
  });
}
