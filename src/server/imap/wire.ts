/**
 * Thin adapters over the protocol encoder (src/protocol/imap/encoder.ts) with the session's one flag,
 * `utf8` (IMAP4rev2 enabled): strings, mailbox names (modified UTF-7 for rev1) and status lines.
 */
import {
  encodeAstring,
  encodeMailboxName,
  encodeNString,
  encodeString,
  encodeTagged,
  encodeUntaggedStatus,
} from '../../protocol/imap/encoder.js';
import type { TaggedStatus, UntaggedStatus } from '../../protocol/imap/response.js';

export function quoted(text: string, utf8: boolean): string {
  return encodeString(text, { utf8 });
}

export function astring(text: string, utf8: boolean): string {
  return encodeAstring(text, { utf8 });
}

export function nstring(text: string | null, utf8: boolean): string {
  return encodeNString(text, { utf8 });
}

export function mailboxName(name: string, utf8: boolean): string {
  return encodeMailboxName(name, { utf8 });
}

export function formatStatus(status: TaggedStatus | UntaggedStatus): string {
  return 'tag' in status ? encodeTagged(status) : encodeUntaggedStatus(status);
}
