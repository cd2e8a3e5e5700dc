/**
 * Maildir file names: a unique base, then ":2," and the flag letters once the message is in cur/.
 * Unique names follow the Maildir spec's modern form: SECONDS.M{micros}P{pid}Q{counter}R{random}.HOST.
 * The base is chosen before the message is written (the sync state records it first, so a crash between
 * the file and the state is recognised), so it carries no ",S=size".
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export interface MaildirName {
  /** The unique part, which never changes while the message lives in this Maildir. */
  base: string;
  /** The flag letters after ":2,", or null for a file without info (typically in new/). */
  info: string | null;
}

// ':' is the separator; '!' and ';' are used on filesystems that forbid ':' (as mutt and Dovecot accept).
const INFO = /[:!;]2,([^/]*)$/;

export function parseMaildirName(fileName: string): MaildirName {
  const match = INFO.exec(fileName);
  if (!match) return { base: stripLegacyInfo(fileName), info: null };
  return { base: fileName.slice(0, match.index), info: match[1]! };
}

/** An experimental ":1,..." info is not ours to keep; the base is what comes before it. */
function stripLegacyInfo(fileName: string): string {
  const colon = fileName.indexOf(':');
  return colon < 0 ? fileName : fileName.slice(0, colon);
}

export function formatMaildirName(base: string, info: string | null): string {
  return info === null ? base : `${base}:2,${info}`;
}

let counter = 0;
// Slashes and colons would break the name; the spec replaces them with octal escapes.
const HOST = hostname().replace(/\//g, '\\057').replace(/:/g, '\\072') || 'localhost';

/** A new unique base for a message delivered at `now` (ms since the epoch). */
export function uniqueBase(now = Date.now()): string {
  const seconds = Math.floor(now / 1000);
  const micros = (now % 1000) * 1000 + Math.floor(Math.random() * 1000);
  counter = (counter + 1) % 1_000_000;
  const random = randomBytes(4).toString('hex');
  return `${seconds}.M${micros}P${process.pid}Q${counter}R${random}.${HOST}`;
}
