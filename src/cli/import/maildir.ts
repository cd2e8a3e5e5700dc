/**
 * Maildir reader (https://cr.yp.to/proto/maildir.html): the messages of cur/ and new/ with their flags
 * and the file's mtime as INTERNALDATE, oldest first so UIDs follow delivery order.
 * Info `:2,FLAGS`: S→\Seen, R→\Answered, F→\Flagged, T→\Deleted, D→\Draft (P "passed" has no IMAP flag);
 * lowercase letters are Dovecot keywords, named in the folder's `dovecot-keywords` file.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BadInputError } from '../../lib/errors.js';

export interface MaildirEntry {
  path: string;
  flags: string[];
  internalDate: Date;
  size: number;
}

const SYSTEM_FLAGS: Record<string, string> = {
  S: '\\Seen',
  R: '\\Answered',
  F: '\\Flagged',
  T: '\\Deleted',
  D: '\\Draft',
};

export async function isMaildir(dir: string): Promise<boolean> {
  for (const sub of ['cur', 'new']) {
    const info = await stat(join(dir, sub)).catch(() => null);
    if (info?.isDirectory()) return true;
  }
  return false;
}

export async function listMaildir(dir: string): Promise<MaildirEntry[]> {
  if (!(await isMaildir(dir))) throw new BadInputError(`${dir} is not a Maildir (no cur/ or new/ inside)`);
  const keywords = await readDovecotKeywords(dir);
  const entries: MaildirEntry[] = [];
  for (const sub of ['cur', 'new']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(dir, sub, name);
      const info = await stat(path);
      if (!info.isFile()) continue;
      const flags = sub === 'cur' ? maildirFlags(name, keywords) : [];
      entries.push({ path, flags, internalDate: info.mtime, size: info.size });
    }
  }
  entries.sort((a, b) => a.internalDate.getTime() - b.internalDate.getTime() || a.path.localeCompare(b.path));
  return entries;
}

/** IMAP flags from a Maildir file name; `keywords[i]` names lowercase letter i ('a' = 0). */
export function maildirFlags(fileName: string, keywords: readonly string[] = []): string[] {
  // ':' is the standard separator; '!' and ';' are used on filesystems that forbid ':'.
  const match = /[:!;]2,([A-Za-z]*)$/.exec(fileName);
  if (!match) return [];
  const flags: string[] = [];
  for (const letter of new Set(match[1])) {
    const system = SYSTEM_FLAGS[letter];
    if (system) flags.push(system);
    else if (letter >= 'a' && letter <= 'z') {
      const keyword = keywords[letter.charCodeAt(0) - 97];
      if (keyword) flags.push(keyword);
    }
  }
  return flags;
}

/** `dovecot-keywords`: lines of `INDEX NAME`. */
async function readDovecotKeywords(dir: string): Promise<string[]> {
  const text = await readFile(join(dir, 'dovecot-keywords'), 'utf8').catch(() => '');
  const keywords: string[] = [];
  for (const line of text.split('\n')) {
    const match = /^(\d+)\s+(\S+)$/.exec(line.trim());
    if (match && Number(match[1]) < 26) keywords[Number(match[1])] = match[2]!;
  }
  return keywords;
}
