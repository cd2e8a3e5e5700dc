/**
 * Modified UTF-7 for IMAP mailbox names (RFC 3501 §5.1.3; RFC 9051 §5.1 for rev1 compatibility).
 * Printable US-ASCII except `&` stands for itself; `&` is `&-`; anything else is `&` + modified
 * BASE64 (`,` instead of `/`, no padding) of UTF-16BE + `-`.
 * Decoding is strict: RFC 3501 says encoders MUST NOT encode printable ASCII, MUST NOT leave
 * non-zero pad bits, and a shifted run must be terminated by `-`; we reject all of those, plus
 * unpaired surrogates, adjacent shifted runs, and characters outside 0x20..0x7E.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,';
const DECODE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

export class Utf7Error extends Error {
  override name = 'Utf7Error';
}

function isDirect(c: number): boolean {
  return c >= 0x20 && c <= 0x7e;
}

/** Encodes a Unicode string (mailbox name) to modified UTF-7. Lone surrogates are encoded as-is. */
export function encodeUtf7(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x26) {
      out += '&-';
      i++;
    } else if (isDirect(c)) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (!isDirect(d) || d === 0x26) break;
        j++;
      }
      out += text.slice(i, j);
      i = j;
    } else {
      let j = i;
      while (j < n && !isDirect(text.charCodeAt(j))) j++;
      out += `&${base64Units(text, i, j)}-`;
      i = j;
    }
  }
  return out;
}

function base64Units(text: string, from: number, to: number): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (let k = from; k < to; k++) {
    acc = (acc << 16) | text.charCodeAt(k);
    bits += 16;
    while (bits >= 6) {
      bits -= 6;
      out += ALPHABET[(acc >>> bits) & 63];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (6 - bits)) & 63];
  return out;
}

/** Decodes modified UTF-7; throws Utf7Error on anything an RFC 3501 encoder could not produce. */
export function decodeUtf7(wire: string): string {
  let out = '';
  let i = 0;
  const n = wire.length;
  let lastShiftEnd = -1;
  while (i < n) {
    const c = wire.charCodeAt(i);
    if (!isDirect(c)) throw new Utf7Error('Mailbox name has a character outside printable US-ASCII');
    if (c !== 0x26) {
      let j = i + 1;
      while (j < n && wire.charCodeAt(j) !== 0x26 && isDirect(wire.charCodeAt(j))) j++;
      out += wire.slice(i, j);
      i = j;
      continue;
    }
    const end = wire.indexOf('-', i + 1);
    if (end < 0) throw new Utf7Error('Unterminated modified BASE64 run');
    if (end === i + 1) {
      out += '&';
      i = end + 1;
      continue;
    }
    if (lastShiftEnd === i) throw new Utf7Error('Adjacent modified BASE64 runs');
    out += decodeRun(wire, i + 1, end);
    i = end + 1;
    lastShiftEnd = i;
  }
  return out;
}

function decodeRun(wire: string, from: number, to: number): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  let pendingHigh = -1;
  for (let k = from; k < to; k++) {
    const code = wire.charCodeAt(k);
    const v = code < 128 ? DECODE[code]! : -1;
    if (v < 0) throw new Utf7Error('Invalid modified BASE64 character');
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 16) {
      bits -= 16;
      const unit = (acc >>> bits) & 0xffff;
      if (pendingHigh >= 0) {
        if (unit < 0xdc00 || unit > 0xdfff) throw new Utf7Error('Unpaired surrogate');
        out += String.fromCharCode(pendingHigh, unit);
        pendingHigh = -1;
      } else if (unit >= 0xd800 && unit <= 0xdbff) {
        pendingHigh = unit;
      } else if (unit >= 0xdc00 && unit <= 0xdfff) {
        throw new Utf7Error('Unpaired surrogate');
      } else if (isDirect(unit)) {
        throw new Utf7Error('Printable US-ASCII must not be BASE64-encoded');
      } else {
        out += String.fromCharCode(unit);
      }
    }
  }
  if (pendingHigh >= 0) throw new Utf7Error('Unpaired surrogate');
  // Leftover bits must be fewer than 6 and zero (RFC 3501 §5.1.3 via RFC 2152).
  if (bits >= 6 || (acc & ((1 << bits) - 1)) !== 0) throw new Utf7Error('Invalid modified BASE64 padding');
  return out;
}

/** True when `wire` is valid modified UTF-7. */
export function isValidUtf7(wire: string): boolean {
  try {
    decodeUtf7(wire);
    return true;
  } catch {
    return false;
  }
}
