/** Reading and changing both sides of an IMAP sync in tests: the server through imapflow, the Maildir on disk. */
import { readdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import { folderDirName } from '../../src/sync/maildir/folder-path.js';

export interface ServerMessage {
  uid: number;
  subject: string;
  flags: string[];
}

/** Every message of a server folder with its subject and flags (a fresh SELECT, so nothing is stale). */
export async function serverMessages(imap: ImapFlow, folder: string): Promise<ServerMessage[]> {
  await imap.mailboxClose().catch(() => {});
  const mailbox = await imap.mailboxOpen(folder);
  const found: ServerMessage[] = [];
  if (mailbox.exists > 0) {
    for await (const m of imap.fetch('1:*', { uid: true, envelope: true, flags: true })) {
      found.push({ uid: m.uid, subject: m.envelope?.subject ?? '?', flags: [...(m.flags ?? [])].sort() });
    }
  }
  await imap.mailboxClose();
  return found.sort((a, b) => a.subject.localeCompare(b.subject));
}

export async function serverSubjects(imap: ImapFlow, folder: string): Promise<string[]> {
  return (await serverMessages(imap, folder)).map((m) => m.subject);
}

export interface LocalFile {
  path: string;
  subject: string;
  /** The info letters after ":2," ('' for none). */
  info: string;
}

export function folderDir(maildir: string, folder: string): string {
  return join(maildir, folderDirName(folder));
}

export async function localFiles(maildir: string, folder: string): Promise<LocalFile[]> {
  const dir = folderDir(maildir, folder);
  const files: LocalFile[] = [];
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(dir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(dir, sub, name);
      const text = await readFile(path, 'latin1');
      const subject = /^Subject: (.*)$/m.exec(text)?.[1]?.trim() ?? '?';
      files.push({ path, subject, info: /:2,([A-Za-z]*)$/.exec(name)?.[1] ?? '' });
    }
  }
  return files.sort((a, b) => a.subject.localeCompare(b.subject));
}

export async function localSubjects(maildir: string, folder: string): Promise<string[]> {
  return (await localFiles(maildir, folder)).map((f) => f.subject);
}

export async function localFile(maildir: string, folder: string, subject: string): Promise<LocalFile> {
  const file = (await localFiles(maildir, folder)).find((f) => f.subject === subject);
  if (!file) throw new Error(`no local file for ${subject} in ${folder}`);
  return file;
}

/** What a Maildir reader does to change flags: rename into cur/ with new info letters. */
export async function setLocalFlags(file: LocalFile, info: string): Promise<void> {
  const base = file.path.replace(/:2,[A-Za-z]*$/, '').replace(/\/new\//, '/cur/');
  await rename(file.path, `${base}:2,${info}`);
}

export async function deleteLocal(file: LocalFile): Promise<void> {
  await unlink(file.path);
}

/** A new message written straight into a Maildir folder, as a mail reader saves a draft. */
export async function writeLocal(
  maildir: string,
  folder: string,
  name: string,
  content: Buffer,
  info = '',
): Promise<void> {
  const dir = folderDir(maildir, folder);
  await writeFile(join(dir, info ? 'cur' : 'new', info ? `${name}:2,${info}` : name), content);
}

/** Moves a file to another folder keeping its name (what `mv` and mutt's rename-based moves do). */
export async function moveLocal(file: LocalFile, maildir: string, folder: string): Promise<void> {
  const name = file.path.slice(file.path.lastIndexOf('/') + 1);
  const sub = file.path.includes('/new/') ? 'new' : 'cur';
  await rename(file.path, join(folderDir(maildir, folder), sub, name));
}
