/**
 * One live index per selected mailbox, shared by every session that has it selected (DESIGN.md "Where the
 * speed comes from"): the UIDs as an immutable Uint32Array snapshot, refreshed from the store when the bus
 * says the mailbox changed. Sessions copy nothing at SELECT; they get the snapshot plus change events.
 * The bus may drop or coalesce notifications: refreshes pull `changesSince`, so nothing is lost.
 */

import type { ChangeBus } from '../../bus/bus.js';
import { type ErrorLog, RateLimitedErrors } from '../../lib/rate-limited-log.js';
import type { Mailbox, MessageFlagsRecord, Store } from '../../store/store.js';
import { FlagIndex } from './flag-index.js';
import { AnswerMemo } from './sort/answer-memo.js';

/** What changed between two snapshots, in the order sessions must apply it. */
export interface IndexChange {
  /** UIDs removed from the mailbox, ascending. */
  expunged: number[];
  /** UIDs added to the mailbox, ascending (always above every earlier UID). */
  added: number[];
  /** Flag changes (including those of added messages), UID order. */
  flags: MessageFlagsRecord[];
  modseq: number;
}

export type IndexListener = (change: IndexChange) => void;

export class SharedMailboxIndex {
  private snapshot: Uint32Array;
  private modseq: number;
  private readonly listeners = new Set<IndexListener>();
  private readonly goneListeners = new Set<() => void>();
  private refreshing: Promise<void> | null = null;
  private wanted = 0;
  /** Flags of every message, loaded by the first FETCH that wants them, then kept current by refresh(). */
  private flagIndex: FlagIndex | null = null;
  private flagLoad: Promise<FlagIndex> | null = null;
  /** The last SORT/THREAD answers over this mailbox, for every session of the process. */
  readonly answers = new AnswerMemo();
  users = 0;

  constructor(
    private readonly store: Store,
    readonly mailbox: Mailbox,
    uids: Uint32Array,
    private readonly errors = new RateLimitedErrors(undefined),
  ) {
    this.snapshot = uids;
    this.modseq = mailbox.highestModseq;
  }

  /** The current UIDs, ascending. Never mutated: a change produces a new array. */
  uids(): Uint32Array {
    return this.snapshot;
  }

  highestModseq(): number {
    return this.modseq;
  }

  /** Whether the flag index is loaded (FETCH then uses it for any number of messages). */
  hasFlags(): boolean {
    return this.flagIndex !== null;
  }

  /**
   * The flag index, current as of the last change pull (call catchUp first for "now"); loaded on first
   * use. Null when the store cannot list flags as columns (Store.getFlagColumns is optional).
   */
  async flags(): Promise<FlagIndex | null> {
    if (this.flagIndex) return this.flagIndex;
    if (!this.store.getFlagColumns) return null;
    this.flagLoad ??= this.loadFlags().finally(() => {
      this.flagLoad = null;
    });
    return this.flagLoad;
  }

  private async loadFlags(): Promise<FlagIndex> {
    const columns = await (this.store.getFlagColumns as NonNullable<Store['getFlagColumns']>)(
      this.mailbox.id,
    );
    const index = new FlagIndex(columns);
    // Refreshes during the load moved this.modseq on without updating the index: pull what it missed.
    // Records carry whole flags, so applying a change the load already saw is harmless.
    let at = columns.highestModseq;
    while (at < this.modseq) {
      const changes = await this.store.changesSince(this.mailbox.id, at);
      index.apply(changes.changed, changes.expunged);
      if (changes.highestModseq <= at) break;
      at = changes.highestModseq;
    }
    this.flagIndex = index;
    return index;
  }

  listen(listener: IndexListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when the mailbox has been deleted (by another session, the CLI...). */
  onGone(listener: () => void): () => void {
    this.goneListeners.add(listener);
    return () => this.goneListeners.delete(listener);
  }

  /** A structural change (create/delete/rename): tell the sessions if this mailbox no longer exists. */
  async checkExists(): Promise<void> {
    const row = await this.store.getMailboxById(this.mailbox.id);
    if (row) return;
    for (const listener of [...this.goneListeners]) listener();
  }

  /** A bus notification: refresh (coalesced) if it is news. */
  notify(modseq: number): void {
    if (modseq <= this.modseq || modseq <= this.wanted) return;
    this.wanted = modseq;
    void this.catchUp().catch((err: unknown) => {
      // Retried by the next notification or the next command's catchUp(); until then IDLE is stale.
      this.errors.report('refreshing a selected mailbox failed', err, { mailboxId: this.mailbox.id });
    });
  }

  /**
   * Resolves once every change published so far has been pulled (called before a session flushes).
   * `force` pulls even without a notification (after the session's own mutations).
   */
  async catchUp(force = false): Promise<void> {
    while (this.refreshing) await this.refreshing;
    if (!force && this.wanted <= this.modseq) return;
    const before = this.modseq;
    this.refreshing = this.refresh().finally(() => {
      this.refreshing = null;
    });
    await this.refreshing;
    // No progress means the notification was ahead of what we can read: stop, the next one retries.
    if (this.modseq === before) this.wanted = this.modseq;
    if (this.wanted > this.modseq) await this.catchUp();
  }

  private async refresh(): Promise<void> {
    const since = this.modseq;
    const changes = await this.store.changesSince(this.mailbox.id, since);
    if (changes.highestModseq <= since && changes.changed.length === 0 && changes.expunged.length === 0)
      return;
    const current = this.snapshot;
    const gone = new Set(changes.expunged);
    const expunged = changes.expunged.filter((uid) => indexOf(current, uid) >= 0).sort((a, b) => a - b);
    const last = current.length > 0 ? (current[current.length - 1] as number) : 0;
    const added: number[] = [];
    for (const record of changes.changed) {
      if (gone.has(record.uid)) continue;
      if (record.uid > last) added.push(record.uid);
    }
    added.sort((a, b) => a - b);
    const next = new Uint32Array(current.length - expunged.length + added.length);
    let n = 0;
    for (const uid of current) if (!gone.has(uid)) next[n++] = uid;
    for (const uid of added) next[n++] = uid;
    this.snapshot = next;
    this.modseq = Math.max(changes.highestModseq, since);
    this.flagIndex?.apply(changes.changed, changes.expunged);
    const change: IndexChange = {
      expunged,
      added,
      flags: changes.changed.filter((r) => !gone.has(r.uid)),
      modseq: this.modseq,
    };
    for (const listener of this.listeners) listener(change);
  }
}

/** Binary search in an ascending Uint32Array; -1 when absent. */
export function indexOf(uids: Uint32Array, uid: number, length = uids.length): number {
  let lo = 0;
  let hi = length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = uids[mid] as number;
    if (v === uid) return mid;
    if (v < uid) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** How long an index nobody has selected stays loaded (and fresh), so re-SELECT is cheap. */
const LINGER_MS = 60_000;
/** At most this many unused indexes linger; the oldest is dropped first. */
const MAX_LINGERING = 32;

/**
 * Refcounted registry: one SharedMailboxIndex per mailbox id while any session has it selected, and
 * for a while after (Dovecot keeps its index on disk; ours stays in memory, kept fresh from the bus).
 */
export class MailboxIndexRegistry {
  private readonly open = new Map<number, Promise<SharedMailboxIndex>>();
  private readonly unsubscribe = new Map<number, () => void>();
  private readonly lingering = new Map<number, NodeJS.Timeout>();
  private readonly current = new Map<number, SharedMailboxIndex>();

  private readonly errors: RateLimitedErrors;

  constructor(
    private readonly store: Store,
    private readonly bus: ChangeBus,
    log?: ErrorLog,
  ) {
    this.errors = new RateLimitedErrors(log);
  }

  async acquire(mailboxId: number): Promise<SharedMailboxIndex> {
    let pending = this.open.get(mailboxId);
    if (!pending) {
      pending = this.load(mailboxId);
      this.open.set(mailboxId, pending);
      pending.catch(() => this.open.delete(mailboxId));
    }
    const index = await pending;
    index.users++;
    const timer = this.lingering.get(mailboxId);
    if (timer) {
      clearTimeout(timer);
      this.lingering.delete(mailboxId);
    }
    return index;
  }

  release(index: SharedMailboxIndex): void {
    if (--index.users > 0) return;
    const id = index.mailbox.id;
    if (this.current.get(id) !== index) return; // already dropped (mailbox deleted)
    if (this.lingering.size >= MAX_LINGERING) {
      const [oldest] = this.lingering.keys();
      if (oldest !== undefined) this.drop(oldest);
    }
    const timer = setTimeout(() => this.drop(id), LINGER_MS);
    timer.unref();
    this.lingering.set(id, timer);
  }

  /** Unloads everything (server shutdown). */
  close(): void {
    for (const id of [...this.lingering.keys()]) this.drop(id);
  }

  private drop(id: number): void {
    clearTimeout(this.lingering.get(id));
    this.lingering.delete(id);
    this.open.delete(id);
    this.current.delete(id);
    this.unsubscribe.get(id)?.();
    this.unsubscribe.delete(id);
  }

  private async load(mailboxId: number): Promise<SharedMailboxIndex> {
    // Subscribe first, then read: a change between the two is caught by the first refresh.
    let latest = 0;
    let index: SharedMailboxIndex | null = null;
    const off = this.bus.subscribeMailbox(mailboxId, (change) => {
      if (change.structural) {
        void index
          ?.checkExists()
          .catch((err: unknown) =>
            this.errors.report('checking whether a selected mailbox still exists failed', err, { mailboxId }),
          );
        return;
      }
      if (index) index.notify(change.modseq);
      else latest = Math.max(latest, change.modseq);
    });
    try {
      const loaded = await this.store.getIndex(mailboxId);
      index = new SharedMailboxIndex(this.store, loaded.mailbox, loaded.uids, this.errors);
    } catch (err) {
      off();
      throw err;
    }
    this.unsubscribe.set(mailboxId, off);
    this.current.set(mailboxId, index);
    index.onGone(() => this.drop(mailboxId));
    if (latest > 0) index.notify(latest);
    return index;
  }
}
