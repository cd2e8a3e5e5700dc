/**
 * One Maildir folder on disk (https://cr.yp.to/proto/maildir.html): durable delivery (write to tmp/,
 * fsync, rename into new/ or cur/), a scan of what is there, flag changes by rename, removal.
 * Files are named by a unique base that never changes; the sync state refers to messages by it.
 */
import { constants } from 'node:fs';
import {
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  unlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { join } from 'node:path';
import { formatMaildirName, parseMaildirName, uniqueBase } from './filename.js';
import { flagsToInfo, infoToFlags } from './flags.js';

export interface LocalMessage {
  base: string;
  sub: 'new' | 'cur';
  fileName: string;
  /** System flags from the file name, IMAP spelling, sorted. */
  flags: string[];
}

export interface DeliverOptions {
  /** System flags to put in the name (others are ignored here). */
  flags?: readonly string[];
  /** File mtime: Maildir readers (and our APPEND) take it as the message date. */
  mtime?: Date;
  /** The unique base, when the caller recorded it before delivering. */
  base?: string;
}

export interface PendingFile {
  base: string;
  commit(): Promise<LocalMessage>;
  abort(): Promise<void>;
}

export class MaildirFolder {
  constructor(readonly dir: string) {}

  /** Creates dir/{tmp,new,cur}; a Maildir++ sub-folder also gets its `maildirfolder` marker. */
  async ensure(subFolder: boolean): Promise<void> {
    for (const sub of ['tmp', 'new', 'cur']) await mkdir(join(this.dir, sub), { recursive: true });
    if (subFolder) await writeFile(join(this.dir, 'maildirfolder'), '', { flag: 'a' });
  }

  async exists(): Promise<boolean> {
    const info = await stat(join(this.dir, 'cur')).catch(() => null);
    return Boolean(info?.isDirectory());
  }

  /**
   * The mtimes of new/ and cur/ (nanoseconds): any file added, removed or renamed there changes one.
   * `newestMs` says how old the latest change is — a stamp is only trusted when that is older than the
   * filesystem's timestamp granularity (see STAMP_MARGIN_MS), as Dovecot does for its Maildir syncs.
   */
  async stamp(): Promise<{ stamp: string; newestMs: number } | null> {
    try {
      const [n, c] = await Promise.all(
        ['new', 'cur'].map((sub) => stat(join(this.dir, sub), { bigint: true })),
      );
      const newestMs = Math.max(Number(n!.mtimeNs / 1_000_000n), Number(c!.mtimeNs / 1_000_000n));
      return { stamp: `${n!.mtimeNs}:${c!.mtimeNs}`, newestMs };
    } catch {
      return null;
    }
  }

  /** Every message by base. A base found in both new/ and cur/ (a reader's crash mid-move) counts once. */
  async scan(): Promise<Map<string, LocalMessage>> {
    const found = new Map<string, LocalMessage>();
    for (const sub of ['new', 'cur'] as const) {
      const names = await readdir(join(this.dir, sub)).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return [] as string[];
        throw err;
      });
      for (const fileName of names) {
        if (fileName.startsWith('.')) continue;
        const { base, info } = parseMaildirName(fileName);
        const flags = sub === 'cur' && info !== null ? infoToFlags(info) : [];
        found.set(base, { base, sub, fileName, flags });
      }
    }
    return found;
  }

  path(message: LocalMessage): string {
    return join(this.dir, message.sub, message.fileName);
  }

  /**
   * Writes a message durably: tmp/BASE, fsync, rename into place. Mail without flags goes to new/
   * (unseen by any reader yet), mail with flags to cur/ with its info. The directory itself is synced
   * by `syncDirectories` (once per batch: a rename is durable after the directory's fsync).
   */
  async deliver(
    content: Buffer | AsyncIterable<Buffer>,
    options: DeliverOptions = {},
  ): Promise<LocalMessage> {
    return (await this.write(content, options)).commit();
  }

  /**
   * The first half of `deliver`: the content is written to tmp/BASE (not yet synced); `commit` syncs,
   * closes and renames it into place, `abort` removes it. Lets a caller write the next message while
   * the last one is being synced (POP3 reads its messages one after another from one connection).
   */
  async write(content: Buffer | AsyncIterable<Buffer>, options: DeliverOptions = {}): Promise<PendingFile> {
    const base = options.base ?? uniqueBase();
    const tmp = join(this.dir, 'tmp', base);
    const file = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    const abort = async () => {
      await file.close().catch(() => {});
      await unlink(tmp).catch(() => {});
    };
    try {
      if (Buffer.isBuffer(content)) await file.writeFile(content);
      else for await (const chunk of content) await file.write(chunk);
    } catch (err) {
      await abort();
      throw err;
    }
    const commit = async (): Promise<LocalMessage> => {
      const info = flagsToInfo(options.flags ?? []);
      const sub = info === '' ? 'new' : 'cur';
      const fileName = formatMaildirName(base, sub === 'cur' ? info : null);
      try {
        await file.sync();
      } catch (err) {
        await abort();
        throw err;
      }
      await file.close();
      if (options.mtime) await utimes(tmp, options.mtime, options.mtime);
      await rename(tmp, join(this.dir, sub, fileName));
      return { base, sub, fileName, flags: infoToFlags(info) };
    };
    return { base, commit, abort };
  }

  /** fsync of new/ and cur/, so the renames before it survive a power loss. */
  async syncDirectories(): Promise<void> {
    for (const sub of ['new', 'cur']) {
      const handle = await open(join(this.dir, sub), constants.O_RDONLY);
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    }
  }

  /** Renames the file to carry `flags` (moving it to cur/, as a reader that has seen it would). */
  async setFlags(message: LocalMessage, flags: readonly string[]): Promise<LocalMessage> {
    const info = flagsToInfo(flags);
    const fileName = formatMaildirName(message.base, info);
    if (message.sub === 'cur' && fileName === message.fileName) return message;
    await rename(this.path(message), join(this.dir, 'cur', fileName));
    return { base: message.base, sub: 'cur', fileName, flags: infoToFlags(info) };
  }

  async read(message: LocalMessage): Promise<Buffer> {
    return readFile(this.path(message));
  }

  async mtime(message: LocalMessage): Promise<Date> {
    return (await stat(this.path(message))).mtime;
  }

  async remove(message: LocalMessage): Promise<void> {
    await unlink(this.path(message)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  /** Drops tmp/BASE: a delivery of ours that a crash cut short (it never reached new/ or cur/). */
  async removeTmp(base: string): Promise<void> {
    await rm(join(this.dir, 'tmp', base), { force: true });
  }

  /** The Maildir spec's rule for other leftovers in tmp/: untouched for 36 hours means abandoned. */
  async cleanStaleTmp(now = Date.now()): Promise<void> {
    const names = await readdir(join(this.dir, 'tmp')).catch(() => [] as string[]);
    for (const name of names) {
      const path = join(this.dir, 'tmp', name);
      const info = await stat(path).catch(() => null);
      if (info?.isFile() && now - info.mtimeMs > STALE_TMP_MS) await rm(path, { force: true });
    }
  }
}

const STALE_TMP_MS = 36 * 3600_000;

/**
 * A directory stamp is trusted only if its last change is at least this old when it is taken: a change
 * in the same timestamp tick (coarse kernel clock, a few ms) could otherwise leave the mtime unchanged.
 */
export const STAMP_MARGIN_MS = 1_000;
