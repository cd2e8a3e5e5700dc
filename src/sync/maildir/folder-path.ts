/**
 * Where an IMAP folder lives in the local Maildir: Maildir++ layout (Courier, Dovecot, mutt's
 * `mailboxes`): INBOX is the Maildir itself, "Work/2024" is the directory ".Work.2024".
 * A "." or "%" inside a name component is escaped as %2E / %25, so every name round-trips.
 */

export const INBOX = 'INBOX';

/** The sub-directory name for `folder` (IMAP path with `delimiter`), or '' for INBOX. */
export function folderDirName(folder: string, delimiter = '/'): string {
  if (folder.toUpperCase() === INBOX) return '';
  const parts = delimiter ? folder.split(delimiter) : [folder];
  return `.${parts.map((p) => p.replace(/%/g, '%25').replace(/\./g, '%2E')).join('.')}`;
}

/** The IMAP path for a Maildir++ directory name (".Work.2024"), or null when it is not one. */
export function folderFromDirName(dirName: string, delimiter = '/'): string | null {
  if (dirName === '') return INBOX;
  if (!dirName.startsWith('.') || dirName === '.' || dirName === '..') return null;
  const parts = dirName.slice(1).split('.');
  if (parts.some((p) => p === '')) return null;
  return parts.map((p) => p.replace(/%2E/gi, '.').replace(/%25/g, '%')).join(delimiter);
}
