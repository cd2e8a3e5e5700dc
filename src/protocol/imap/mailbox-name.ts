/**
 * Mailbox names between the wire and the store (RFC 9051 §5.1, §6.3; RFC 3501 §5.1.3 modified UTF-7;
 * RFC 6855 UTF8=ACCEPT). Internally names are UTF-8 with `/` as the hierarchy delimiter (DESIGN.md).
 */
import { decodeUtf7, encodeUtf7, Utf7Error } from '../../lib/utf7.js';

export class MailboxNameError extends Error {
  override name = 'MailboxNameError';
}

export interface NameOptions {
  /** IMAP4rev2 / UTF8=ACCEPT session: names travel as UTF-8, not modified UTF-7. */
  readonly utf8: boolean;
}

/** Internal name → wire form (before quoting): modified UTF-7 for rev1 sessions. */
export function mailboxNameToWire(name: string, options: NameOptions): string {
  return options.utf8 ? name : encodeUtf7(name);
}

/**
 * Wire form (as parsed) → internal name. rev1: must be valid modified UTF-7 (8-bit is refused);
 * UTF-8 sessions: taken as is (RFC 6855 §3: `&` is an ordinary character there).
 * INBOX is normalised case-insensitively, including as a hierarchy prefix (RFC 9051 §5.1).
 */
export function decodeMailboxName(wire: string, options: NameOptions, delimiter = '/'): string {
  let name: string;
  if (options.utf8) name = wire;
  else {
    try {
      name = decodeUtf7(wire);
    } catch (err) {
      if (err instanceof Utf7Error) throw new MailboxNameError(`Invalid mailbox name: ${err.message}`);
      throw err;
    }
  }
  return normaliseInbox(name, delimiter);
}

/** `inbox` → `INBOX`, `Inbox/x` → `INBOX/x`. */
export function normaliseInbox(name: string, delimiter = '/'): string {
  if (name.length < 5 || name.slice(0, 5).toUpperCase() !== 'INBOX') return name;
  if (name.length === 5) return 'INBOX';
  if (name.slice(5, 5 + delimiter.length) === delimiter) return `INBOX${name.slice(5)}`;
  return name;
}

const MAX_NAME_BYTES = 1000;
const MAX_DEPTH = 32;

/**
 * Rejects names the store must never see: empty, control characters (NUL, CR, LF, DEL…), empty
 * hierarchy levels (`a//b`, leading or trailing delimiter), `.`/`..` levels (path traversal for
 * file-backed stores), over-long names. Returns the name; throws MailboxNameError with a public message.
 */
export function validateMailboxName(name: string, delimiter = '/'): string {
  if (name.length === 0) throw new MailboxNameError('Mailbox name is empty');
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw new MailboxNameError('Mailbox name is too long');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw new MailboxNameError('Mailbox name contains a control character');
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = name.charCodeAt(i + 1);
      if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff))
        throw new MailboxNameError('Mailbox name is not valid Unicode');
      i++;
    }
  }
  const levels = name.split(delimiter);
  if (levels.length > MAX_DEPTH) throw new MailboxNameError('Mailbox hierarchy is too deep');
  for (const level of levels) {
    if (level.length === 0) throw new MailboxNameError('Mailbox name has an empty hierarchy level');
    if (level === '.' || level === '..') throw new MailboxNameError('Mailbox name has a "." or ".." level');
    if (level.includes('*') || level.includes('%'))
      throw new MailboxNameError('Mailbox name contains a wildcard');
  }
  return name;
}
