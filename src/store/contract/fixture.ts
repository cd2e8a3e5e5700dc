/** Shared helpers for the contract suite: a fresh store in a temp dir, sample messages, blob setup. */
import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChangeBus } from '../../bus/bus.js';
import type { IngestMeta } from '../../mime/ingest-meta.js';
import type { Account, AppendResult, BlobRef, IndexedSearch, Store, StoreClock } from '../store.js';

/** Opens a store on `dataDir`, publishing on `bus` and reading time from `clock` when given. */
export type OpenStore = (dataDir: string, extra?: { bus?: ChangeBus; clock?: StoreClock }) => Promise<Store>;

/** A clock the test moves by hand (SAVEDATE, retention). */
export class ManualClock implements StoreClock {
  constructor(private time: number) {}
  now(): number {
    return this.time;
  }
  advance(ms: number): void {
    this.time += ms;
  }
}

export interface Fixture {
  store: Store;
  dataDir: string;
  /** Closes and reopens the store on the same data directory (persistence tests). */
  reopen(): Promise<Store>;
}

/**
 * What tests do to blobs behind the store's back, per backend: make one look a day old (past the
 * garbage collection grace period), or lose it (damage the store). fileBlobTamper works on blob files
 * (a blob kept in a database has no age to change); database blob backends bring their own.
 */
export interface BlobTamper {
  age(dataDir: string, id: string): Promise<void>;
  lose(dataDir: string, id: string): Promise<void>;
}

/** Finds a blob's file under the data directory (layout: blobs/ab/cd/<id>). */
export function blobPath(dataDir: string, id: string): string {
  return join(dataDir, 'blobs', id.slice(0, 2), id.slice(2, 4), id);
}

export const DAY_MS = 24 * 3600 * 1000;

export const fileBlobTamper: BlobTamper = {
  async age(dataDir, id) {
    const old = new Date(Date.now() - DAY_MS);
    await utimes(blobPath(dataDir, id), old, old).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  },
  async lose(dataDir, id) {
    await rm(blobPath(dataDir, id));
  },
};

/** Runs `body` with a fresh store and removes the data directory afterwards. */
export async function withStore(open: OpenStore, body: (fx: Fixture) => Promise<void>): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'postyard-store-'));
  const fx: Fixture = {
    store: await open(dataDir),
    dataDir,
    async reopen() {
      await fx.store.close();
      fx.store = await open(dataDir);
      return fx.store;
    },
  };
  try {
    await body(fx);
  } finally {
    await fx.store.close().catch(() => {});
    await rm(dataDir, { recursive: true, force: true });
  }
}

export function sampleMeta(subject = 'Hello'): IngestMeta {
  return {
    envelope: `(NIL "${subject}" NIL NIL NIL NIL NIL NIL NIL NIL)`,
    bodyStructure: '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)',
    body: '("TEXT" "PLAIN" ("CHARSET" "us-ascii") NIL NIL "7BIT" 5 1)',
    structure: '{"parts":[]}',
    preview: 'hello',
    headerText: `Subject: ${subject}`,
    bodyText: 'hello',
    sentDate: 1_700_000_000_000,
    sentZone: 60,
  };
}

export function sampleMessage(n: number | string, bytes = 0): Buffer {
  const head = `Subject: message ${n}\r\n\r\n`;
  return Buffer.from(head + 'x'.repeat(Math.max(0, bytes - head.length)));
}

export async function createUser(store: Store, login = 'alice@example.org', settings = {}): Promise<Account> {
  return store.createAccount(login, 'hash', settings);
}

export async function mailboxId(store: Store, accountId: number, name = 'INBOX'): Promise<number> {
  const mailbox = await store.getMailbox(accountId, name);
  if (!mailbox) throw new Error(`no mailbox ${name}`);
  return mailbox.id;
}

/** The blob of a new message as delivery makes it: staged into the commit when the backend can. */
export async function messageBlob(store: Store, data: Buffer): Promise<BlobRef> {
  return store.blobs.stage?.(data) ?? store.blobs.put(data);
}

/** Writes a distinct blob (`asFile`: with put(), never staged) and appends it. */
export async function appendSample(
  store: Store,
  accountId: number,
  mailbox: number,
  options: {
    n?: number | string;
    bytes?: number;
    flags?: string[];
    internalDate?: Date;
    asFile?: boolean;
  } = {},
): Promise<AppendResult> {
  const data = sampleMessage(options.n ?? Math.random(), options.bytes);
  const blob = options.asFile ? await store.blobs.put(data) : await messageBlob(store, data);
  return store.append({
    accountId,
    mailboxId: mailbox,
    blob,
    meta: sampleMeta(String(options.n ?? 'x')),
    flags: options.flags,
    internalDate: options.internalDate,
  });
}

/** A list of UIDs or ids (the index answers Uint32Arrays) as an array, to compare with deepEqual. */
export function listOf(numbers: ArrayLike<number>): number[];
export function listOf(numbers: ArrayLike<number> | undefined): number[] | undefined;
export function listOf(numbers: ArrayLike<number> | undefined): number[] | undefined {
  return numbers && Array.from(numbers);
}

/** Store.searchIndexed's answer with arrays, to compare with deepEqual. */
export function lists(found: IndexedSearch): { candidates: number[]; proven: number[] };
export function lists(
  found: IndexedSearch | undefined,
): { candidates: number[]; proven: number[] } | undefined;
export function lists(
  found: IndexedSearch | undefined,
): { candidates: number[]; proven: number[] } | undefined {
  return found && { candidates: Array.from(found.candidates), proven: Array.from(found.proven) };
}
