/**
 * The maildrop snapshot taken at login (RFC 1939 5): INBOX as it was then, minus messages hidden from
 * POP3. Message numbers never shift during the session; DELE only marks (deletion happens in UPDATE).
 * Compact: typed arrays plus one string array of blob ids.
 */
import type { MessageRecord, PopMaildropSnapshot } from '../../store/store.js';

export interface MaildropMessage {
  /** 1-based message number. */
  readonly msg: number;
  readonly uid: number;
  readonly size: number;
  readonly blobId: string;
}

export class Maildrop {
  readonly count: number;
  private readonly uids: Uint32Array;
  private readonly sizes: Float64Array;
  private readonly blobIds: string[];
  private readonly deleted: Uint8Array;
  private deletedCount = 0;
  private deletedBytes = 0;
  private readonly totalBytes: number;

  /** `records`: MessageRecords (hidden ones are skipped) or the store's columnar snapshot (visible only). */
  constructor(
    readonly mailboxId: number,
    readonly uidValidity: number,
    records: readonly MessageRecord[] | Omit<PopMaildropSnapshot, 'mailbox'>,
  ) {
    if (Array.isArray(records)) {
      const visible = (records as readonly MessageRecord[]).filter((r) => !r.popHidden);
      this.uids = Uint32Array.from(visible, (r) => r.uid);
      this.sizes = Float64Array.from(visible, (r) => r.size);
      this.blobIds = visible.map((r) => r.blobId);
    } else {
      ({ uids: this.uids, sizes: this.sizes, blobIds: this.blobIds } = records as PopMaildropSnapshot);
    }
    this.count = this.uids.length;
    this.deleted = new Uint8Array(this.count);
    let total = 0;
    for (const size of this.sizes) total += size;
    this.totalBytes = total;
  }

  /** The message, or null if the number is out of range or the message is marked deleted. */
  get(msg: number): MaildropMessage | null {
    const i = msg - 1;
    if (!Number.isInteger(i) || i < 0 || i >= this.count || this.deleted[i]) return null;
    return { msg, uid: this.uids[i]!, size: this.sizes[i]!, blobId: this.blobIds[i]! };
  }

  exists(msg: number): boolean {
    return Number.isInteger(msg) && msg >= 1 && msg <= this.count;
  }

  isDeleted(msg: number): boolean {
    return this.exists(msg) && this.deleted[msg - 1] === 1;
  }

  markDeleted(msg: number): void {
    const i = msg - 1;
    if (!this.exists(msg) || this.deleted[i]) return;
    this.deleted[i] = 1;
    this.deletedCount++;
    this.deletedBytes += this.sizes[i]!;
  }

  /** RSET (RFC 1939 5): unmark everything. */
  reset(): void {
    this.deleted.fill(0);
    this.deletedCount = 0;
    this.deletedBytes = 0;
  }

  /** STAT: messages and octets not marked deleted. */
  stat(): { messages: number; bytes: number } {
    return { messages: this.count - this.deletedCount, bytes: this.totalBytes - this.deletedBytes };
  }

  /** Messages not marked deleted, in order. */
  *visible(): Generator<MaildropMessage> {
    for (let msg = 1; msg <= this.count; msg++) {
      const m = this.get(msg);
      if (m) yield m;
    }
  }

  deletedUids(): number[] {
    const uids: number[] = [];
    for (let i = 0; i < this.count; i++) if (this.deleted[i]) uids.push(this.uids[i]!);
    return uids;
  }
}
