/**
 * The Message-ID of a message (RFC 5322 §3.6.4), read from its header without parsing the rest:
 * what a UIDVALIDITY change and an interrupted APPEND are re-matched by (with the size).
 */
const HEADER_LIMIT = 256 * 1024;

export function messageIdOf(message: Buffer): string | null {
  let end = message.indexOf('\r\n\r\n');
  if (end < 0) end = message.indexOf('\n\n');
  const header = message
    .subarray(0, end < 0 ? Math.min(message.length, HEADER_LIMIT) : end)
    .toString('latin1');
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:[ \t]*(<[^>\r\n]*>)/im.exec(unfolded);
  return match ? match[1]!.trim() : null;
}
