/**
 * The folders on each side: the server's (LIST, with LIST-STATUS (RFC 5819) when offered so an
 * unchanged folder needs no SELECT) and the local Maildir++ directories, both filtered by the
 * account's patterns (IMAP LIST wildcards: "*" any, "%" any but the delimiter).
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { folderDirName, folderFromDirName, INBOX } from '../maildir/folder-path.js';
import { MaildirFolder } from '../maildir/maildir.js';

export interface ServerFolder {
  name: string;
  delimiter: string;
  uidValidity: number | null;
  uidNext: number | null;
  messages: number | null;
  highestModseq: string | null;
}

export async function listServerFolders(
  client: ImapFlow,
  patterns: readonly string[],
): Promise<Map<string, ServerFolder>> {
  const withStatus = client.capabilities.has('LIST-STATUS');
  const condstore = client.capabilities.has('CONDSTORE');
  const entries = await client.list({
    listOnly: !withStatus, // imapflow sends LIST-STATUS only when listOnly is off
    statusQuery: withStatus
      ? { messages: true, uidNext: true, uidValidity: true, highestModseq: condstore }
      : undefined,
  });
  const folders = new Map<string, ServerFolder>();
  for (const entry of entries) {
    if (entry.flags.has('\\Noselect') || entry.flags.has('\\NonExistent')) continue;
    const name = entry.path.toUpperCase() === INBOX ? INBOX : entry.path;
    if (!matchesAny(name, patterns, entry.delimiter)) continue;
    folders.set(name, {
      name,
      delimiter: entry.delimiter || '/',
      uidValidity: entry.status?.uidValidity === undefined ? null : Number(entry.status.uidValidity),
      uidNext: entry.status?.uidNext ?? null,
      messages: entry.status?.messages ?? null,
      highestModseq: entry.status?.highestModseq === undefined ? null : String(entry.status.highestModseq),
    });
  }
  return folders;
}

/** The Maildir++ folders under `root` (INBOX is root itself), by IMAP name. */
export async function listLocalFolders(
  root: string,
  delimiter: string,
  patterns: readonly string[],
): Promise<Map<string, MaildirFolder>> {
  const folders = new Map<string, MaildirFolder>();
  const inbox = new MaildirFolder(root);
  if (await inbox.exists()) folders.set(INBOX, inbox);
  const names = await readdir(root).catch(() => [] as string[]);
  for (const dirName of names) {
    const name = folderFromDirName(dirName, delimiter);
    if (name === null || name === INBOX || !matchesAny(name, patterns, delimiter)) continue;
    const folder = new MaildirFolder(join(root, dirName));
    if (await folder.exists()) folders.set(name, folder);
  }
  return folders;
}

export function localFolder(root: string, name: string, delimiter: string): MaildirFolder {
  return new MaildirFolder(join(root, folderDirName(name, delimiter)));
}

export function matchesAny(name: string, patterns: readonly string[], delimiter: string): boolean {
  return patterns.some((pattern) => patternRegExp(pattern, delimiter).test(name));
}

function patternRegExp(pattern: string, delimiter: string): RegExp {
  const notDelimiter = delimiter ? `[^${delimiter.replace(/[\\\]^-]/g, '\\$&')}]*` : '.*';
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '%' ? notDelimiter : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, pattern.toUpperCase().startsWith('INBOX') ? 'i' : '');
}
