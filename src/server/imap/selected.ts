/**
 * The selected-mailbox state of one session: its own view of sequence numbers (RFC 9051 §2.3.1.2) over
 * the shared index, and the notifications it still owes the client.
 *
 * The view starts as the shared snapshot (no copy) and is copied only when this session has to diverge
 * from it. Changes from other sessions, delivery and POP3 arrive as IndexChange events and are queued;
 * flush() announces them where RFC 9051 §7.5.1 allows: EXISTS and FETCH (FLAGS) after any command,
 * EXPUNGE only when no command using sequence numbers (FETCH, STORE, SEARCH, COPY) is being answered.
 * It also tracks the keywords announced in FLAGS: a new one is announced before the FETCH showing it.
 */
import { formatSequenceSet, matchSortedUids, resolveRanges, type SequenceSet } from '../../lib/seqset.js';
import type { FetchDataItem, UntaggedData, UntaggedResponse } from '../../protocol/imap/response.js';
import type { Mailbox, MessageFlagsRecord } from '../../store/store.js';
import { type IndexChange, indexOf, type SharedMailboxIndex } from './shared-index.js';

export class InvalidSequenceError extends Error {}

export const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Deleted', '\\Seen', '\\Draft'];
/**
 * FLAGS lists at most this many keywords (bounds the line and per-session memory); further keywords
 * still show in FETCH, and PERMANENTFLAGS' \\* says clients may use any.
 */
export const MAX_ANNOUNCED_KEYWORDS = 256;
/** flag-keyword = atom (RFC 9051 §9): a stored keyword that is not one (imported mail) stays out of FLAGS. */
const KEYWORD_ATOM = /^[\x21\x23\x24\x26\x27\x2b-\x5b\x5e-\x7a\x7c-\x7e]+$/;

export interface SelectOptions {
  readOnly: boolean;
  /** IMAP4rev1 client (no ENABLE IMAP4rev2): \Recent and RECENT responses. */
  rev1: boolean;
  /** Called after a change was queued (IDLE pushes it out at once). */
  onChange?: () => void;
  /** Called when the mailbox is deleted while selected. */
  onGone?: () => void;
  /** CONDSTORE enabled: unsolicited FETCH carries MODSEQ (RFC 7162 §3.2). */
  condstore?: boolean;
  /** QRESYNC enabled: removals are announced as `* VANISHED uids` instead of EXPUNGE (RFC 7162 §3.2.10). */
  qresync?: boolean;
  /** Called with UIDs about to be announced as expunged, while their sequence numbers still hold. */
  beforeExpunge?: (uids: readonly number[]) => void;
}

export class SelectedMailbox {
  readonly mailbox: Mailbox;
  readonly readOnly: boolean;
  readonly rev1: boolean;
  private uids: Uint32Array;
  private count: number;
  private owned = false;
  private readonly pendingExpunged = new Set<number>();
  private pendingAdded: number[] = [];
  private readonly pendingFlags = new Map<number, MessageFlagsRecord>();
  /** Flag changes this session already reported itself (STORE), so they are not echoed twice. */
  private readonly reportedOwn = new Map<number, number>();
  private readonly recent = new Set<number>();
  private readonly stopListening: () => void;
  private lastAnnouncedRecent = -1;
  private condstore: boolean;
  private qresync: boolean;
  private readonly beforeExpunge: ((uids: readonly number[]) => void) | undefined;
  /** Keywords announced in FLAGS, by lower case (RFC 9051 §2.3.2); grows, never shrinks, while selected. */
  private readonly keywords = new Map<string, string>();
  /** A keyword arrived with a change and FLAGS must be sent again before its FETCH/EXISTS. */
  private flagsOwed = false;

  constructor(
    readonly index: SharedMailboxIndex,
    options: SelectOptions,
  ) {
    this.mailbox = index.mailbox;
    this.readOnly = options.readOnly;
    this.rev1 = options.rev1;
    this.condstore = options.condstore ?? false;
    this.qresync = options.qresync ?? false;
    this.beforeExpunge = options.beforeExpunge;
    this.uids = index.uids();
    this.count = this.uids.length;
    const onChange = options.onChange;
    const stopChanges = index.listen((change) => {
      this.queue(change);
      onChange?.();
    });
    const onGone = options.onGone;
    const stopGone = onGone ? index.onGone(onGone) : () => false;
    this.stopListening = () => {
      stopChanges();
      stopGone();
    };
  }

  close(): void {
    this.stopListening();
  }

  /** Number of messages the client knows about (the last EXISTS). */
  exists(): number {
    return this.count;
  }

  uidAt(seq: number): number {
    return this.uids[seq - 1] as number;
  }

  /** Sequence number of a UID in this session's view, or 0. */
  seqOf(uid: number): number {
    return indexOf(this.uids, uid, this.count) + 1;
  }

  /** Highest UID the client knows, 0 for an empty mailbox. */
  lastUid(): number {
    return this.count > 0 ? (this.uids[this.count - 1] as number) : 0;
  }

  isRecent(uid: number): boolean {
    return this.recent.has(uid);
  }

  /**
   * RECENT: the recent messages the client knows about. claimRecent may hand this session UIDs newer
   * than its last EXISTS (appended meanwhile); they count once their EXISTS is sent, as RECENT may not
   * exceed EXISTS (imaptest stress: "seq too high (13 > 4): * 13 RECENT").
   */
  recentCount(): number {
    let count = 0;
    const last = this.lastUid();
    for (const uid of this.recent) if (uid <= last) count++;
    return count;
  }

  markRecent(uids: readonly number[]): void {
    for (const uid of uids) this.recent.add(uid);
  }

  setCondstore(on: boolean): void {
    this.condstore = on;
  }

  setQresync(on: boolean): void {
    this.qresync = on;
    if (on) this.condstore = true;
  }

  /**
   * Removes messages this session expunged itself (EXPUNGE, MOVE) and returns the lines announcing it:
   * `* n EXPUNGE` each, or one `* VANISHED uids` once QRESYNC is enabled.
   */
  announceOwnExpunged(uids: readonly number[]): UntaggedData[] {
    const known = uids.filter((uid) => this.seqOf(uid) > 0);
    this.beforeExpunge?.(known);
    const seqs = this.removeOwnExpunged(uids);
    if (!this.qresync) return seqs.map((seq) => ({ type: 'EXPUNGE', seq }));
    return known.length > 0 ? [{ type: 'VANISHED', earlier: false, uids: formatSequenceSet(known) }] : [];
  }

  /** Every known UID, ascending (a view, not a copy). */
  allUids(): Uint32Array {
    return this.uids.subarray(0, this.count);
  }

  /** UIDs named by a message sequence set, ascending. Throws InvalidSequenceError outside 1..EXISTS. */
  resolveSequenceSet(set: SequenceSet, saved: readonly number[] = []): number[] {
    if (set.kind === 'saved') return saved.filter((uid) => this.seqOf(uid) > 0);
    for (const range of set.ranges) {
      // "*" in an empty mailbox names nothing; an explicit number must exist (RFC 9051 §9 seq-number).
      const starred = range.from === '*' || range.to === '*';
      if (!starred && Math.max(range.from as number, range.to as number) > this.count) {
        throw new InvalidSequenceError('Invalid message sequence number');
      }
    }
    const uids: number[] = [];
    for (const range of resolveRanges(set, this.count, true)) {
      for (let s = range.from; s <= range.to; s++) uids.push(this.uids[s - 1] as number);
    }
    return uids;
  }

  /**
   * UIDs of known messages named by a UID set, ascending. Non-existent UIDs are ignored; "n:*" always
   * includes the last UID (RFC 9051 §6.4.9).
   */
  resolveUidSet(set: SequenceSet, saved: readonly number[] = []): number[] {
    if (set.kind === 'saved') return saved.filter((uid) => this.seqOf(uid) > 0);
    const view = this.allUids();
    const uids: number[] = [];
    for (const i of matchSortedUids(set, view)) uids.push(view[i] as number);
    return uids;
  }

  /** Removes messages this session expunged itself; returns their sequence numbers to announce, in order. */
  removeOwnExpunged(uids: readonly number[]): number[] {
    const announced: number[] = [];
    for (const uid of [...uids].sort((a, b) => a - b)) {
      const seq = this.remove(uid);
      if (seq > 0) announced.push(seq);
      this.pendingExpunged.delete(uid);
    }
    // Each EXPUNGE renumbers the following messages at once (RFC 9051 §7.5.1); every number above was
    // taken after the previous removal, so they are valid in the order sent.
    return announced;
  }

  /** SELECT: the mailbox's keywords in use (store.mailboxKeywords); select.ts then sends flagsLines(). */
  setKeywords(keywords: readonly string[]): void {
    this.learnKeywords([{ uid: 0, modseq: 0, flags: [...keywords] }]);
    this.flagsOwed = false;
  }

  /**
   * Notes the keywords in `records`; true when one is new, and the caller must send flagsLines() before
   * the FETCH showing it (RFC 9051 §7.3.5; Dovecot does this on STORE and APPEND).
   */
  learnKeywords(records: readonly MessageFlagsRecord[]): boolean {
    let learned = false;
    for (const record of records) {
      for (const flag of record.flags) {
        if (flag.startsWith('\\') || this.keywords.size >= MAX_ANNOUNCED_KEYWORDS) continue;
        if (!KEYWORD_ATOM.test(flag)) continue;
        const lower = flag.toLowerCase();
        if (this.keywords.has(lower)) continue;
        this.keywords.set(lower, flag);
        learned = true;
      }
    }
    return learned;
  }

  /**
   * What to send before an answer showing the flags of `records` (FETCH, STORE, QRESYNC resync): the
   * FLAGS lines when one of them carries a keyword the client was not told about, else nothing. The
   * records come from the store, so they may show another session's keyword before its change was
   * announced (not yet notified, or queued and owed until the next flush); RFC 9051 §7.3.5 wants the
   * client told first.
   */
  keywordAnnouncement(records: readonly MessageFlagsRecord[]): UntaggedResponse[] {
    if (!this.learnKeywords(records) && !this.flagsOwed) return [];
    this.flagsOwed = false;
    return this.flagsResponses();
  }

  /** `* FLAGS (...)` and `* OK [PERMANENTFLAGS (...)]`: system flags plus known keywords. */
  flagsResponses(): UntaggedResponse[] {
    const flags = [...SYSTEM_FLAGS, ...this.keywords.values()];
    const permanent = this.readOnly ? [] : [...flags, '\\*'];
    return [
      { type: 'FLAGS', flags },
      { status: 'OK', code: { code: 'PERMANENTFLAGS', flags: permanent }, text: 'Flags permitted' },
    ];
  }

  /** Marks flag changes this session answered itself (STORE without .SILENT or with it). */
  noteOwnFlags(records: readonly MessageFlagsRecord[]): void {
    for (const r of records) this.reportedOwn.set(r.uid, r.modseq);
  }

  /**
   * Writes owed notifications through `emit`. `allowExpunge` is false while answering a command that
   * uses sequence numbers. `claimRecent` is called when new messages arrive for a rev1 read-write session.
   */
  async flush(
    emit: (response: UntaggedResponse) => void,
    allowExpunge: boolean,
    claimRecent?: () => Promise<number[]>,
  ): Promise<void> {
    // Await before writing anything: a change queued in the middle (another worker's STORE arrives any
    // time) could put a FETCH with a new keyword out before the FLAGS announcing it (imaptest: "Keyword
    // used without being in FLAGS"). The claim may hold UIDs not yet announced; recentCount() waits.
    const claimed =
      this.pendingAdded.length > 0 && this.rev1 && claimRecent && !this.readOnly ? await claimRecent() : [];
    if (allowExpunge && this.pendingExpunged.size > 0) {
      const gone = [...this.pendingExpunged].sort((a, b) => a - b);
      this.pendingExpunged.clear();
      // Announce from the highest sequence number down so each number is valid when sent.
      const seqs: number[] = [];
      for (const uid of gone) {
        const seq = this.seqOf(uid);
        if (seq > 0) seqs.push(seq);
      }
      this.beforeExpunge?.(seqs.map((seq) => this.uids[seq - 1] as number));
      const removed: number[] = [];
      for (let i = seqs.length - 1; i >= 0; i--) {
        const seq = seqs[i] as number;
        removed.push(this.uids[seq - 1] as number);
        this.removeAt(seq - 1);
        if (!this.qresync) emit({ type: 'EXPUNGE', seq });
      }
      if (this.qresync && removed.length > 0)
        emit({ type: 'VANISHED', earlier: false, uids: formatSequenceSet(removed) });
    }
    if (this.flagsOwed) {
      this.flagsOwed = false;
      for (const response of this.flagsResponses()) emit(response);
    }
    if (this.pendingAdded.length > 0) {
      const added = this.pendingAdded;
      this.pendingAdded = [];
      for (const uid of added) this.push(uid);
      emit({ type: 'EXISTS', count: this.count });
    }
    this.markRecent(claimed);
    const recent = this.rev1 ? this.recentCount() : 0;
    if (this.rev1 && this.lastAnnouncedRecent !== recent && this.lastAnnouncedRecent >= 0) {
      emit({ type: 'RECENT', count: recent });
    }
    this.lastAnnouncedRecent = recent;
    if (this.pendingFlags.size > 0) {
      const records = [...this.pendingFlags.values()].sort((a, b) => a.uid - b.uid);
      this.pendingFlags.clear();
      for (const r of records) {
        const own = this.reportedOwn.get(r.uid);
        if (own !== undefined && own >= r.modseq) continue;
        const seq = this.seqOf(r.uid);
        if (seq > 0) emit(this.flagUpdate(seq, r, { uid: true }));
      }
    }
    this.reportedOwn.clear();
    this.shareIfInSync();
  }

  /**
   * With nothing owed, the view equals the shared snapshot: drop the private copy so many sessions on
   * one big mailbox hold one array.
   */
  private shareIfInSync(): void {
    if (!this.owned || this.hasPending()) return;
    const shared = this.index.uids();
    if (shared.length !== this.count) return;
    if (this.count > 0 && shared[this.count - 1] !== this.uids[this.count - 1]) return;
    this.uids = shared;
    this.owned = false;
  }

  /** FLAGS list text for a message, with \Recent for rev1 sessions (RFC 3501 §2.3.2). */
  /** A message's flags as this session shows them: with \\Recent for a rev1 session that holds it. */
  flagsOf(uid: number, flags: readonly string[]): string[] {
    if (this.rev1 && this.recent.has(uid)) return [...flags, '\\Recent'];
    return [...flags];
  }

  /**
   * `* seq FETCH ([UID n] FLAGS (...) [MODSEQ (m)])` for a flag change: UID when asked (UID STORE,
   * unsolicited updates), MODSEQ once CONDSTORE is on (RFC 7162 §3.2.4).
   */
  flagUpdate(seq: number, record: MessageFlagsRecord, options: { uid: boolean }): UntaggedData {
    const items: FetchDataItem[] = [];
    if (options.uid) items.push({ item: 'UID', uid: record.uid });
    items.push({ item: 'FLAGS', flags: this.flagsOf(record.uid, record.flags) });
    if (this.condstore) items.push({ item: 'MODSEQ', modseq: record.modseq });
    return { type: 'FETCH', seq, items };
  }

  /** True if notifications are waiting (IDLE uses it to decide whether to flush). */
  hasPending(): boolean {
    return this.pendingExpunged.size > 0 || this.pendingAdded.length > 0 || this.pendingFlags.size > 0;
  }

  /** Called once after SELECT's own EXISTS/RECENT so later flushes report RECENT only on change. */
  settleRecent(): void {
    this.lastAnnouncedRecent = this.recentCount();
  }

  private queue(change: IndexChange): void {
    for (const uid of change.expunged) {
      const i = this.pendingAdded.indexOf(uid);
      if (i >= 0) {
        this.pendingAdded.splice(i, 1);
        this.recent.delete(uid); // claimed before its EXISTS (flush): it must not count later
      } else if (this.seqOf(uid) > 0) this.pendingExpunged.add(uid);
      this.pendingFlags.delete(uid);
    }
    const last = Math.max(this.lastUid(), this.pendingAdded.at(-1) ?? 0);
    for (const uid of change.added) if (uid > last) this.pendingAdded.push(uid);
    // A new message's flags come with its EXISTS (the client fetches them); only changes are news.
    const added = new Set(change.added);
    for (const record of change.flags) if (!added.has(record.uid)) this.pendingFlags.set(record.uid, record);
    // New messages count too: the client fetches their flags after EXISTS.
    if (this.learnKeywords(change.flags)) this.flagsOwed = true;
  }

  private remove(uid: number): number {
    const i = indexOf(this.uids, uid, this.count);
    if (i < 0) return 0;
    this.removeAt(i);
    return i + 1;
  }

  private removeAt(i: number): void {
    this.own();
    this.recent.delete(this.uids[i] as number);
    this.uids.copyWithin(i, i + 1, this.count);
    this.count--;
  }

  private push(uid: number): void {
    if (!this.owned || this.count === this.uids.length) {
      const grown = new Uint32Array(Math.max(16, Math.ceil((this.count + 1) * 1.5)));
      grown.set(this.uids.subarray(0, this.count));
      this.uids = grown;
      this.owned = true;
    }
    this.uids[this.count++] = uid;
  }

  /** Copy-on-write: the shared snapshot is never modified. */
  private own(): void {
    if (this.owned) return;
    this.uids = this.uids.slice(0, this.count);
    this.owned = true;
  }
}
