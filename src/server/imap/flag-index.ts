/**
 * The flags of every message of a mailbox in memory, as Dovecot's index keeps them: UIDs, MODSEQs and a
 * flag-combination id per message in typed arrays, loaded once (Store.getFlagColumns) and then kept
 * current from the same change pulls that refresh the shared UID index. FETCH (FLAGS), (UID) and
 * (MODSEQ) answer from it without reading or building a record per message. No I/O here.
 */
import { encodeFetchDataItem } from '../../protocol/imap/encoder.js';
import type { FlagColumns, MessageFlagsRecord } from '../../store/store.js';
import { indexOf } from './shared-index.js';

export class FlagIndex {
  /** Valid up to `count`; the capacity beyond is room for appends. */
  private uidArray: Uint32Array;
  private modseqArray: Float64Array;
  private idArray: Uint32Array;
  private count: number;
  private readonly sets: string[][];
  private readonly idByKey = new Map<string, number>();
  /** `FLAGS (...)` per combination, encoded on first use; and with \Recent added (rev1 sessions). */
  private readonly texts: (string | undefined)[] = [];
  private readonly recentTexts: (string | undefined)[] = [];

  constructor(columns: FlagColumns) {
    this.uidArray = columns.uids;
    this.modseqArray = columns.modseqs;
    this.idArray = columns.flagIds;
    this.count = columns.uids.length;
    this.sets = columns.flagSets.map((set) => [...set]);
    for (let id = 0; id < this.sets.length; id++) this.idByKey.set(keyOf(this.sets[id] as string[]), id);
  }

  get length(): number {
    return this.count;
  }

  /** Position of `uid`, or -1 when the mailbox no longer has it. */
  find(uid: number): number {
    return indexOf(this.uidArray, uid, this.count);
  }

  /** Position of the first UID ≥ `uid` (may be `length`). */
  lowerBound(uid: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.uidArray[mid] as number) < uid) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  uidAt(i: number): number {
    return this.uidArray[i] as number;
  }

  modseqAt(i: number): number {
    return this.modseqArray[i] as number;
  }

  flagIdAt(i: number): number {
    return this.idArray[i] as number;
  }

  /** The flags of combination `id` (shared: do not modify). */
  flagSet(id: number): readonly string[] {
    return this.sets[id] as string[];
  }

  /** `FLAGS (...)` for combination `id`. */
  flagsText(id: number): string {
    let text = this.texts[id];
    if (text === undefined) {
      text = encodeFetchDataItem({ item: 'FLAGS', flags: [...(this.sets[id] as string[])] });
      this.texts[id] = text;
    }
    return text;
  }

  /** `FLAGS (... \Recent)` for combination `id` (RFC 3501 §2.3.2: session state, added last). */
  flagsTextRecent(id: number): string {
    let text = this.recentTexts[id];
    if (text === undefined) {
      text = encodeFetchDataItem({ item: 'FLAGS', flags: [...(this.sets[id] as string[]), '\\Recent'] });
      this.recentTexts[id] = text;
    }
    return text;
  }

  /**
   * Applies a change pull (Store.changesSince). Idempotent: records carry a message's whole current
   * flags, so a change seen twice (a load that raced a refresh) leaves the same state.
   */
  apply(changed: readonly MessageFlagsRecord[], expunged: readonly number[]): void {
    if (expunged.length > 0) this.remove(new Set(expunged));
    const added: MessageFlagsRecord[] = [];
    const last = this.count > 0 ? (this.uidArray[this.count - 1] as number) : 0;
    for (const record of changed) {
      const i = this.find(record.uid);
      if (i >= 0) {
        // A pull that started before the load finished may carry older flags than the load read.
        if (record.modseq < (this.modseqArray[i] as number)) continue;
        this.modseqArray[i] = record.modseq;
        this.idArray[i] = this.idOf(record.flags);
      } else if (record.uid > last) added.push(record);
      // Else: below the last UID and absent, so already expunged (a later pull lists it too).
    }
    if (added.length === 0) return;
    added.sort((a, b) => a.uid - b.uid);
    this.reserve(this.count + added.length);
    for (const record of added) {
      if (record.uid <= (this.count > 0 ? (this.uidArray[this.count - 1] as number) : 0)) continue;
      this.uidArray[this.count] = record.uid;
      this.modseqArray[this.count] = record.modseq;
      this.idArray[this.count] = this.idOf(record.flags);
      this.count++;
    }
  }

  private idOf(flags: readonly string[]): number {
    const key = keyOf(flags);
    let id = this.idByKey.get(key);
    if (id === undefined) {
      id = this.sets.length;
      this.sets.push([...flags]);
      this.idByKey.set(key, id);
    }
    return id;
  }

  private remove(gone: Set<number>): void {
    let n = 0;
    for (let i = 0; i < this.count; i++) {
      const uid = this.uidArray[i] as number;
      if (gone.has(uid)) continue;
      if (n !== i) {
        this.uidArray[n] = uid;
        this.modseqArray[n] = this.modseqArray[i] as number;
        this.idArray[n] = this.idArray[i] as number;
      }
      n++;
    }
    this.count = n;
  }

  private reserve(size: number): void {
    if (size <= this.uidArray.length) return;
    const capacity = Math.max(16, Math.ceil(size * 1.5));
    const uids = new Uint32Array(capacity);
    uids.set(this.uidArray.subarray(0, this.count));
    const modseqs = new Float64Array(capacity);
    modseqs.set(this.modseqArray.subarray(0, this.count));
    const ids = new Uint32Array(capacity);
    ids.set(this.idArray.subarray(0, this.count));
    this.uidArray = uids;
    this.modseqArray = modseqs;
    this.idArray = ids;
  }
}

/** Flags as the store lists them (system flags in a fixed order, then keywords): one key per combination. */
function keyOf(flags: readonly string[]): string {
  return flags.join(' ');
}
