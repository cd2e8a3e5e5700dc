/** Content-Transfer-Encoding decoders (RFC 2045 §6.7 quoted-printable, §6.8 base64); linear, never throw. */

const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

/** Quoted-printable: "=XX" decoded, soft line breaks ("=" at end of line) removed, trailing blanks before a break dropped. */
export function decodeQuotedPrintable(input: Buffer): Buffer {
  const out = Buffer.allocUnsafe(input.length);
  let o = 0;
  let i = 0;
  const n = input.length;
  while (i < n) {
    const c = input[i];
    if (c === 0x3d) {
      const h1 = i + 1 < n ? HEX[input[i + 1]] : -1;
      const h2 = i + 2 < n ? HEX[input[i + 2]] : -1;
      if (h1 >= 0 && h2 >= 0) {
        out[o++] = (h1 << 4) | h2;
        i += 3;
        continue;
      }
      // Soft line break: "=" followed by optional blanks and a line break.
      let j = i + 1;
      while (j < n && (input[j] === 0x20 || input[j] === 0x09)) j++;
      if (j < n && input[j] === 0x0d && input[j + 1] === 0x0a) {
        i = j + 2;
        continue;
      }
      if (j < n && input[j] === 0x0a) {
        i = j + 1;
        continue;
      }
      if (j >= n) {
        i = n;
        continue;
      }
      out[o++] = c;
      i++;
      continue;
    }
    if (c === 0x20 || c === 0x09) {
      // Blanks at the end of a line are padding (RFC 2045 §6.7 rule 3).
      let j = i;
      while (j < n && (input[j] === 0x20 || input[j] === 0x09)) j++;
      if (j >= n || input[j] === 0x0a || (input[j] === 0x0d && input[j + 1] === 0x0a)) {
        i = j;
        continue;
      }
      while (i < j) out[o++] = input[i++];
      continue;
    }
    out[o++] = c;
    i++;
  }
  return out.subarray(0, o);
}

/** Base64, ignoring characters outside the alphabet (line breaks, junk). */
export function decodeBase64(input: Buffer): Buffer {
  return Buffer.from(input.toString('latin1'), 'base64');
}

export type TransferEncodingKind = 'identity' | 'base64' | 'quoted-printable' | 'unknown';

export function transferEncodingKind(encoding: string): TransferEncodingKind {
  switch (encoding) {
    case '7bit':
    case '8bit':
    case 'binary':
      return 'identity';
    case 'base64':
      return 'base64';
    case 'quoted-printable':
      return 'quoted-printable';
    default:
      return 'unknown';
  }
}

/** Decoded body, or null for an encoding we do not know (IMAP BINARY answers [UNKNOWN-CTE], RFC 3516 §4.3). */
export function decodeTransfer(body: Buffer, encoding: string): Buffer | null {
  switch (transferEncodingKind(encoding)) {
    case 'identity':
      return body;
    case 'base64':
      return decodeBase64(body);
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return null;
  }
}
