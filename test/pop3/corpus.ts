/**
 * Messages whose RETR bytes must equal the delivered bytes: lines starting with ".", long lines,
 * 8-bit content, no final CRLF, an empty body, one read whole into a slab though bigger than a slab's
 * usual share (600 KB), and one large enough to take the streaming path (3 MB, above READ_WHOLE_LIMIT).
 * All CRLF already, so the stored bytes are exactly these.
 */
const header = (n: number, extra = '') =>
  `From: corpus@example.org\r\nTo: alice@example.com\r\nSubject: corpus ${n}\r\nMessage-ID: <corpus${n}@example.org>\r\n${extra}\r\n`;

function largeBody(bytes: number): Buffer {
  const lines: string[] = [];
  for (let i = 0, length = 0; length < bytes; i++) {
    const line = i % 7 === 0 ? `.dot line ${i}` : i % 11 === 0 ? '.' : `line ${i} ${'z'.repeat(i % 200)}`;
    lines.push(line);
    length += line.length + 2;
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n`);
}

export function corpus(): Buffer[] {
  return [
    Buffer.from(`${header(1)}.\r\n..\r\n.leading dot\r\n. space\r\nmiddle . dot\r\n...\r\n`),
    Buffer.from(`${header(2)}${'long line '.repeat(2_000)}\r\n${'x'.repeat(100_000)}\r\nend\r\n`),
    Buffer.concat([
      Buffer.from(
        header(3, 'Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n'),
      ),
      Buffer.from([0xe9, 0x74, 0xe9, 0x0d, 0x0a, 0x80, 0x81, 0xfe, 0xff, 0x0d, 0x0a]),
      Buffer.from('Grüße, 日本語, 😀\r\n'),
    ]),
    Buffer.from(`${header(4)}no final line break`),
    Buffer.from(`${header(5)}`),
    Buffer.from(`${header(6)}bare\rCR inside\r\n.\r\nlast line is a dot above\r\n`),
    Buffer.concat([Buffer.from(header(7)), largeBody(3_000_000)]),
    Buffer.from(`${header(8)}ends with a dot line\r\n.`),
    Buffer.concat([Buffer.from(header(9)), largeBody(600_000)]),
  ];
}

/** What a client reassembles from the multi-line response: the message, CRLF-terminated. */
export function expectedRetrieval(message: Buffer): Buffer {
  return message.subarray(-2).equals(Buffer.from('\r\n')) || message.length === 0
    ? message
    : Buffer.concat([message, Buffer.from('\r\n')]);
}
