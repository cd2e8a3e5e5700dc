/** Messages are stored as they travel on the wire: every line ends in CRLF. Bare LF (Maildir files) → CRLF. */
export function toCrlf(data: Buffer): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let nl = data.indexOf(0x0a); nl !== -1; nl = data.indexOf(0x0a, nl + 1)) {
    if (nl > 0 && data[nl - 1] === 0x0d) continue;
    parts.push(data.subarray(start, nl), CRLF);
    start = nl + 1;
  }
  if (parts.length === 0) return data;
  parts.push(data.subarray(start));
  return Buffer.concat(parts);
}

const CRLF = Buffer.from('\r\n');
