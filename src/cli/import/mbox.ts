/**
 * Streaming mbox reader (mboxrd, also reads mboxo): yields one message at a time with the From_ line's
 * date, never holding the whole file in memory. Lines become CRLF, as messages are on the wire.
 *
 * - A message starts at a `From ` line at the start of the file or after an empty line, or at any
 *   `From ` line that carries an asctime date (sloppy writers omit the empty line).
 * - mboxrd unquoting: `>From `, `>>From `… lose one `>` (https://www.loc.gov/preservation/digital/formats/fdd/fdd000385.shtml).
 * - The empty line that separates messages is not part of the message.
 */
import { createReadStream } from 'node:fs';
import { BadInputError } from '../../lib/errors.js';

export interface MboxMessage {
  data: Buffer;
  /** Date of the From_ line, or null when it has none we can read. */
  fromDate: Date | null;
  /** Bytes of the file consumed so far (for progress). */
  position: number;
}

const CRLF = Buffer.from('\r\n');
const NEWLINE = 0x0a;

export async function* readMbox(path: string): AsyncGenerator<MboxMessage> {
  const splitter = new MboxSplitter();
  let pending: Buffer = Buffer.alloc(0);
  let position = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let nl = buffer.indexOf(NEWLINE, start); nl !== -1; nl = buffer.indexOf(NEWLINE, start)) {
      const message = splitter.line(buffer.subarray(start, nl));
      start = nl + 1;
      if (message) yield { ...message, position: position + start };
    }
    position += start;
    pending = buffer.subarray(start);
  }
  const beforeLast = pending.length ? splitter.line(pending) : null;
  if (beforeLast) yield { ...beforeLast, position };
  const last = splitter.finish();
  if (last) yield { ...last, position: position + pending.length };
}

/** Line-at-a-time state machine, separate from I/O so it can be fed directly in tests. */
export class MboxSplitter {
  private lines: Buffer[] = [];
  private fromDate: Date | null = null;
  private started = false;
  private previousEmpty = true;

  /** Feeds one line without its LF; returns the previous message when this line starts a new one. */
  line(raw: Buffer): Omit<MboxMessage, 'position'> | null {
    const line = raw.length && raw[raw.length - 1] === 0x0d ? raw.subarray(0, raw.length - 1) : raw;
    if (isFromLine(line) && (this.previousEmpty || asctimeDate(line) !== null)) {
      const done = this.finish();
      this.started = true;
      this.fromDate = asctimeDate(line);
      this.previousEmpty = false;
      return done;
    }
    if (!this.started) {
      if (line.length === 0) return null;
      throw new BadInputError('not an mbox file (it does not start with a "From " line)');
    }
    this.previousEmpty = line.length === 0;
    this.lines.push(isQuotedFrom(line) ? line.subarray(1) : line, CRLF);
    return null;
  }

  /** The message being collected, if any (call at end of input). */
  finish(): Omit<MboxMessage, 'position'> | null {
    if (!this.started) return null;
    // Drop the separating empty line: the last line pair is (empty, CRLF) when present.
    const n = this.lines.length;
    if (n >= 2 && this.lines[n - 2]!.length === 0) this.lines.length = n - 2;
    const message = { data: Buffer.concat(this.lines), fromDate: this.fromDate };
    this.lines = [];
    this.fromDate = null;
    return message;
  }
}

function isFromLine(line: Buffer): boolean {
  return line.length >= 5 && line.toString('latin1', 0, 5) === 'From ';
}

function isQuotedFrom(line: Buffer): boolean {
  let i = 0;
  while (i < line.length && line[i] === 0x3e) i++;
  return i > 0 && line.toString('latin1', i, i + 5) === 'From ';
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
// `From sender Tue Nov 14 22:13:20 2023`, optionally with a zone before or after the year.
const ASCTIME =
  /\s[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s+([+-]\d{4}|[A-Z]{1,5}))?\s+(\d{4})(?:\s+([+-]\d{4}))?/;

/** The From_ line's asctime date (read as UTC unless a numeric zone is given), or null. */
export function asctimeDate(line: Buffer): Date | null {
  const match = ASCTIME.exec(line.toString('latin1'));
  if (!match) return null;
  const month = MONTHS.indexOf(match[1]!.toLowerCase());
  if (month < 0) return null;
  const [day, hour, minute, second, year] = [match[2], match[3], match[4], match[5] ?? '0', match[7]].map(
    Number,
  );
  let ms = Date.UTC(year!, month, day, hour, minute, second);
  const zone = [match[6], match[8]].find((z) => z && /^[+-]\d{4}$/.test(z));
  if (zone) {
    const offset = (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3))) * 60_000;
    ms -= zone[0] === '+' ? offset : -offset;
  }
  return Number.isNaN(ms) ? null : new Date(ms);
}
