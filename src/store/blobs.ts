/**
 * Content-addressed blob files: `<dataDir>/blobs/ab/cd/<sha256 hex>`.
 * A put is durable before it resolves: write a temp file, fsync it, rename it into place, fsync the
 * directory (DESIGN.md "Store model"). All I/O goes through fs.promises, so parallel puts overlap on the
 * libuv threadpool instead of queueing on the event loop.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  createReadStream,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
} from 'node:fs';
import { chmod, mkdir, open, opendir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError } from '../lib/errors.js';
import type { BlobRef, BlobStore } from './store.js';

const ID_PATTERN = /^[0-9a-f]{64}$/;
/** Stream chunks are coalesced to this size before a write, to keep syscalls few. */
const WRITE_BUFFER_BYTES = 256 * 1024;

/**
 * Reads do not update the access time: blobs are ours (O_NOATIME needs the file's owner), and the first
 * read of a fresh message would otherwise dirty its inode, one journal write per message downloaded.
 */
const READ_FLAGS = constants.O_RDONLY | (constants.O_NOATIME ?? 0);

/** Opens for reading without touching atime, or plainly where the file is not ours (EPERM). */
function openReadSync(path: string): number {
  try {
    return openSync(path, READ_FLAGS);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
    return openSync(path, constants.O_RDONLY);
  }
}

export class FileBlobStore implements BlobStore {
  private readonly root: string;
  private readonly tmpDir: string;
  /** Where garbage collection moves a blob (inside the store's write lock) before unlinking it. */
  private readonly trashDir: string;
  /** Ids renamed into place whose directory fsync is still running; a dedup hit must wait for it. */
  private readonly settling = new Map<string, Promise<void>>();
  private tmpDirReady: Promise<void> | null = null;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'blobs');
    this.tmpDir = join(this.root, 'tmp');
    this.trashDir = join(this.root, 'trash');
  }

  async put(data: Buffer | Readable): Promise<BlobRef> {
    await this.ensureTmpDir();
    const tmpPath = join(this.tmpDir, `${Date.now()}-${randomBytes(8).toString('hex')}`);
    let ref: BlobRef;
    try {
      ref = await writeTempFile(tmpPath, data);
    } catch (err) {
      await unlink(tmpPath).catch(() => {});
      throw err;
    }
    const finalPath = this.pathOf(ref.id);
    if (await this.keepExisting(ref.id)) {
      await unlink(tmpPath).catch(() => {});
      return ref;
    }
    const created = await mkdir(dirname(finalPath), { recursive: true });
    await rename(tmpPath, finalPath);
    const settled = this.makeDurable(finalPath, created !== undefined);
    this.settling.set(ref.id, settled);
    try {
      await settled;
    } finally {
      if (this.settling.get(ref.id) === settled) this.settling.delete(ref.id);
    }
    return ref;
  }

  async read(id: string): Promise<Buffer> {
    try {
      return await readFile(this.pathOf(id));
    } catch (err) {
      throw mapMissing(err, id);
    }
  }

  /**
   * The whole blob in one synchronous call (BlobStore.readSync): for small, normally page-cached blobs
   * this costs far less than readFile's thread-pool round trips. Callers decide by size (a few hundred
   * KB at most); big blobs go through read() or stream(). Throws NotFoundError like read().
   */
  readSync(id: string): Buffer {
    try {
      return readFileSync(this.pathOf(id));
    } catch (err) {
      throw mapMissing(err, id);
    }
  }

  /** BlobStore.readIntoSync: `length` bytes from the start of the blob into the caller's buffer. */
  readIntoSync(id: string, target: Buffer, offset: number, length: number): void {
    let fd: number;
    try {
      fd = openReadSync(this.pathOf(id));
    } catch (err) {
      throw mapMissing(err, id);
    }
    try {
      let done = 0;
      while (done < length) {
        const n = readSync(fd, target, offset + done, length - done, done);
        if (n === 0) throw new Error(`Blob ${id} is shorter than ${length} bytes`);
        done += n;
      }
    } finally {
      closeSync(fd);
    }
  }

  stream(id: string, start = 0, end?: number): Readable {
    if (end !== undefined && end <= start) return Readable.from([]);
    // createReadStream's `end` is inclusive; ours is exclusive.
    return createReadStream(this.pathOf(id), { start, end: end === undefined ? undefined : end - 1 });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.size(id)) !== null;
  }

  async size(id: string): Promise<number | null> {
    if (!ID_PATTERN.test(id)) return null;
    try {
      return (await stat(this.pathOf(id))).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await unlink(this.pathOf(id));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }

  /**
   * Whether the blob's file is there now. The store calls this inside the write transaction that adds a
   * message, so that a blob garbage collection moved away (also inside a write transaction, in any
   * process) can never be committed as a message's body.
   */
  isPresentSync(id: string): boolean {
    try {
      return statSync(this.pathOf(id)).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  /**
   * Garbage collection's removal step, run inside the store's write transaction after the caller found
   * the blob unreferenced: a blob last written or deduplicated (put() refreshes the mtime) less than
   * `graceMs` ago is kept, since a delivery in flight may be about to commit it; otherwise the file is
   * renamed into the trash, so no later reader or committer finds it under its name. Returns the bytes
   * it held, or null when kept or already gone. emptyTrash() unlinks it after the commit.
   */
  moveToTrashSync(id: string, graceMs: number, now: number): number | null {
    const path = this.pathOf(id);
    let info: import('node:fs').Stats;
    try {
      info = statSync(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    if (now - info.mtimeMs < graceMs) return null;
    mkdirSync(this.trashDir, { recursive: true });
    renameSync(path, join(this.trashDir, `${id}.${randomBytes(4).toString('hex')}`));
    return info.size;
  }

  /** Unlinks what garbage collection moved to the trash (nothing there is referenced). */
  async emptyTrash(): Promise<void> {
    const dir = await opendir(this.trashDir).catch(() => null);
    if (!dir) return;
    for await (const entry of dir) await unlink(join(this.trashDir, entry.name)).catch(() => {});
  }

  /** Size and when the blob was written or last deduplicated (mtime), or null if it does not exist. */
  async stat(id: string): Promise<{ size: number; mtimeMs: number } | null> {
    const info = await stat(this.pathOf(id)).catch(() => null);
    return info ? { size: info.size, mtimeMs: info.mtimeMs } : null;
  }

  /** Removes temp files left by crashed puts (older than the grace period). */
  async removeStaleTemp(graceMs: number): Promise<number> {
    let count = 0;
    const dir = await opendir(this.tmpDir).catch(() => null);
    if (!dir) return 0;
    for await (const entry of dir) {
      const path = join(this.tmpDir, entry.name);
      const info = await stat(path).catch(() => null);
      if (info && Date.now() - info.mtimeMs >= graceMs) {
        await unlink(path).catch(() => {});
        count++;
      }
    }
    return count;
  }

  async *list(): AsyncIterable<string> {
    for (const first of await listDir(this.root)) {
      if (!/^[0-9a-f]{2}$/.test(first)) continue;
      for (const second of await listDir(join(this.root, first))) {
        for (const name of await listDir(join(this.root, first, second))) {
          if (ID_PATTERN.test(name)) yield name;
        }
      }
    }
  }

  pathOf(id: string): string {
    if (!ID_PATTERN.test(id)) throw new NotFoundError(`Invalid blob id ${JSON.stringify(id)}`);
    // Concatenation, not path.join: this runs once per message of every download (root is normalised).
    return `${this.root}/${id.slice(0, 2)}/${id.slice(2, 4)}/${id}`;
  }

  /**
   * Dedup: if the blob exists, refresh its mtime so garbage collection's grace period protects it until
   * the message that reuses it is committed (and should collection win the race anyway, that commit
   * finds the file missing and fails instead of storing a message without a body).
   */
  private async keepExisting(id: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.pathOf(id), now, now);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    // Another put may have renamed this file in but not yet fsynced its directory.
    await this.settling.get(id);
    return true;
  }

  /** fsyncs the blob's directory and, for newly created fan-out directories, their parents. */
  private async makeDurable(finalPath: string, createdDirectories: boolean): Promise<void> {
    await fsyncDir(dirname(finalPath));
    if (createdDirectories) {
      await fsyncDir(dirname(dirname(finalPath)));
      await fsyncDir(this.root);
    }
  }

  private ensureTmpDir(): Promise<void> {
    this.tmpDirReady ??= (async () => {
      // blobs/ is owner-only: message bodies are private (the data directory itself is 0711).
      const created = await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
      await chmod(this.root, 0o700);
      if (created !== undefined) {
        await fsyncDir(this.root);
        await fsyncDir(dirname(this.root));
      }
    })().catch((err: unknown) => {
      this.tmpDirReady = null;
      throw err;
    });
    return this.tmpDirReady;
  }
}

/**
 * Every blob id of a store that keeps some blobs as database rows and the rest as `files`: the rows
 * page by page (`idsAfter`: ids above `after`, ascending, at most `limit`; no statement stays open
 * across the caller's awaits), then the files that are not also rows.
 */
export async function* rowsThenFiles(
  idsAfter: (after: string, limit: number) => string[] | Promise<string[]>,
  isRow: (id: string) => boolean | Promise<boolean>,
  files: FileBlobStore,
): AsyncIterable<string> {
  const pageSize = 1000;
  let after = '';
  for (;;) {
    const page = await idsAfter(after, pageSize);
    yield* page;
    if (page.length < pageSize) break;
    after = page[page.length - 1] as string;
  }
  for await (const id of files.list()) if (!(await isRow(id))) yield id;
}

/**
 * `data` again in pieces of exactly `bytes` (the last one shorter, none for empty input), each input
 * chunk shown to `seen` first (hashing, counting).
 */
export async function* evenPieces(
  data: AsyncIterable<Buffer | string>,
  bytes: number,
  seen: (chunk: Buffer) => void,
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of data) {
    const buf: Buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    seen(buf);
    pending.push(buf);
    pendingBytes += buf.length;
    if (pendingBytes < bytes) continue;
    const all = Buffer.concat(pending, pendingBytes);
    let at = 0;
    for (; all.length - at >= bytes; at += bytes) yield all.subarray(at, at + bytes);
    pending = at < all.length ? [all.subarray(at)] : [];
    pendingBytes = all.length - at;
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}

/** Writes the data to `path`, hashing on the way, and fsyncs the file. */
async function writeTempFile(path: string, data: Buffer | Readable): Promise<BlobRef> {
  const hash = createHash('sha256');
  const file = await open(path, 'wx');
  let size = 0;
  try {
    if (Buffer.isBuffer(data)) {
      hash.update(data);
      size = data.length;
      await writeAll(file, data);
    } else {
      const seen = (buf: Buffer) => {
        hash.update(buf);
        size += buf.length;
      };
      for await (const piece of evenPieces(data, WRITE_BUFFER_BYTES, seen)) await writeAll(file, piece);
    }
    // fdatasync: the data and the size needed to read it back; the name is made durable by the dir fsync.
    await file.datasync();
  } finally {
    await file.close();
  }
  return { id: hash.digest('hex'), size };
}

async function writeAll(file: import('node:fs/promises').FileHandle, buf: Buffer): Promise<void> {
  let offset = 0;
  while (offset < buf.length) {
    const { bytesWritten } = await file.write(buf, offset, buf.length - offset);
    offset += bytesWritten;
  }
}

async function fsyncDir(path: string): Promise<void> {
  const dir = await open(path, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  const dir = await opendir(path).catch(() => null);
  if (!dir) return names;
  for await (const entry of dir) names.push(entry.name);
  return names.sort();
}

function mapMissing(err: unknown, id: string): unknown {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT')
    return new NotFoundError(`Blob ${id} not found`, { cause: err });
  return err;
}
