/**
 * Maildir info ":2,FLAGS" (https://cr.yp.to/proto/maildir.html) ↔ IMAP system flags (RFC 9051 §2.3.2).
 * Only system flags live in file names; keywords are kept in the sync state, because Maildir tools
 * disagree on how to name them (Dovecot's letters need a per-folder dovecot-keywords file).
 * P ("passed", forwarded) maps to the $Forwarded keyword (RFC 5788), as mbsync and Dovecot do.
 */

const LETTER_TO_FLAG: Readonly<Record<string, string>> = {
  D: '\\Draft',
  F: '\\Flagged',
  P: '$Forwarded',
  R: '\\Answered',
  S: '\\Seen',
  T: '\\Deleted',
};

const FLAG_TO_LETTER = new Map(
  Object.entries(LETTER_TO_FLAG).map(([letter, flag]) => [flag.toLowerCase(), letter]),
);

/** The flags a Maildir file name can carry, in IMAP spelling. */
export const MAILDIR_FLAGS: readonly string[] = Object.values(LETTER_TO_FLAG);

/** True for a flag that is stored in the file name (case-insensitive, as IMAP flags are). */
export function isMaildirFlag(flag: string): boolean {
  return FLAG_TO_LETTER.has(flag.toLowerCase());
}

/** Letters (sorted, as the Maildir spec requires) for the flags that have one; others are ignored. */
export function flagsToInfo(flags: Iterable<string>): string {
  const letters = new Set<string>();
  for (const flag of flags) {
    const letter = FLAG_TO_LETTER.get(flag.toLowerCase());
    if (letter) letters.add(letter);
  }
  return [...letters].sort().join('');
}

const infoCache = new Map<string, string[]>();

/**
 * IMAP flags for the letters of an info string; unknown letters (and lowercase keywords) are ignored.
 * The result is shared between calls with the same info (a Maildir has few distinct ones) and frozen.
 */
export function infoToFlags(info: string): string[] {
  let flags = infoCache.get(info);
  if (!flags) {
    flags = Object.freeze(parseInfo(info)) as string[];
    if (infoCache.size < 1024) infoCache.set(info, flags);
  }
  return flags;
}

function parseInfo(info: string): string[] {
  const flags: string[] = [];
  for (const letter of new Set(info)) {
    const flag = LETTER_TO_FLAG[letter];
    if (flag) flags.push(flag);
  }
  return flags.sort();
}

/** `flags` in one canonical order and spelling, so two sets compare as strings. */
export function canonicalFlags(flags: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const flag of flags) {
    const canonical = LETTER_TO_FLAG[FLAG_TO_LETTER.get(flag.toLowerCase()) ?? ''] ?? flag;
    if (flag !== '\\Recent') seen.set(canonical.toLowerCase(), canonical);
  }
  return [...seen.values()].sort();
}
