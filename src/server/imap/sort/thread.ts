/**
 * THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §4) over the searched messages' sort keys.
 * Pure: keys in, thread trees out, each node named by `id(keys)` (sequence number or UID).
 */
import type { ThreadForest, ThreadNode } from '../../../protocol/imap/response.js';
import { treesOf } from '../../../protocol/imap/thread-forest.js';
import type { SortKeys } from './sort-keys.js';

type Id = (k: SortKeys) => number;

/** Sent date, then mailbox order (RFC 5256 §2.2). */
function bySentDate(a: SortKeys, b: SortKeys): number {
  return a.date - b.date || a.seq - b.seq;
}

/**
 * ORDEREDSUBJECT: messages grouped by base subject; in each group, by sent date, the first is the
 * parent of all the others; threads ordered by the sent date of their first message.
 */
export function orderedSubject(messages: readonly SortKeys[], id: Id): ThreadForest {
  const sorted = [...messages].sort((a, b) =>
    a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : bySentDate(a, b),
  );
  const groups: { start: number; end: number }[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.subject === sorted[i]!.subject) j++;
    groups.push({ start: i, end: j });
    i = j;
  }
  groups.sort((a, b) => bySentDate(sorted[a.start]!, sorted[b.start]!));
  const ids = new Uint32Array(sorted.length);
  const childCounts = new Uint32Array(sorted.length);
  let at = 0;
  for (const { start, end } of groups) {
    childCounts[at] = end - start - 1;
    for (let i = start; i < end; i++) ids[at++] = id(sorted[i]!);
  }
  return { ids, childCounts };
}

/** Sort keys with their Message-IDs and base subject as small integers (ThreadInterner). */
export interface ThreadKeys extends SortKeys {
  /** The Message-ID's number, -1 for none. */
  idNumber: number;
  referenceNumbers: readonly number[];
  /** The base subject's number, 0 for the empty one. */
  subjectNumber: number;
}

const NO_REFERENCES: readonly number[] = Object.freeze([]);

/**
 * Numbers Message-IDs (0, 1, 2...) and base subjects (1, 2...; 0 is ''): threading then indexes arrays by
 * number instead of looking strings up. Kept with a mailbox's memoized THREAD keys (sorted-uids.ts) and
 * grown by new messages, so threading a 100,000-message mailbox again after one new message does no
 * string hashing (half of its step 1 was Map lookups) and builds no Map.
 */
export class ThreadInterner {
  private readonly ids = new Map<string, number>();
  private readonly subjects = new Map<string, number>([['', 0]]);
  /** idCount once the first full set was numbered (sorted-uids.ts starts over when it has doubled). */
  idCountAtStart = 0;

  get idCount(): number {
    return this.ids.size;
  }

  get subjectCount(): number {
    return this.subjects.size;
  }

  /** `keys`, numbered (the object itself, with three fields added). */
  intern(keys: SortKeys): ThreadKeys {
    const k = keys as ThreadKeys;
    k.idNumber = k.messageId === null ? -1 : this.idNumber(k.messageId);
    k.referenceNumbers =
      k.references.length === 0 ? NO_REFERENCES : k.references.map((ref) => this.idNumber(ref));
    let subject = this.subjects.get(k.subject);
    if (subject === undefined) {
      subject = this.subjects.size;
      this.subjects.set(k.subject, subject);
    }
    k.subjectNumber = subject;
    return k;
  }

  private idNumber(messageId: string): number {
    let n = this.ids.get(messageId);
    if (n === undefined) {
      n = this.ids.size;
      this.ids.set(messageId, n);
    }
    return n;
  }
}

/** RFC 5256 §4 REFERENCES over `messages` as trees of nodes (tests, small sets). */
export function references(messages: readonly SortKeys[], id: Id): ThreadNode[] {
  const interner = new ThreadInterner();
  return treesOf(
    threadReferences(
      messages.map((m) => interner.intern(m)),
      interner,
      id,
    ),
  );
}

/**
 * RFC 5256 §4 REFERENCES, steps 1 to 7, over keys numbered by `interner`. Containers are small integers
 * with their links in plain arrays, not objects: a 100,000-message mailbox is threaded again after each new
 * message (the memo keeps the keys, sorted-uids.ts), and objects with a children array each made half of
 * that time garbage collection. Container k < interner.idCount stands for Message-ID number k (an id no
 * message here has or references stays an empty dummy and is pruned in step 4); messages without a
 * Message-ID, or with one taken already, get containers after those. Message-less containers ("dummies")
 * stand for ids that are only referenced. The creation order of containers does not reach the answer:
 * steps 5 and 7 order every list by sent date and then mailbox order, a total order.
 */
export function threadReferences(
  messages: readonly ThreadKeys[],
  interner: ThreadInterner,
  id: Id,
): ThreadForest {
  const idCount = interner.idCount;
  // A container per Message-ID, one more per message (no id, or a duplicate), one per message in step 6.
  const capacity = idCount + 2 * messages.length + 1;
  // Bytes: two float64 per message, ten int32 per container (six links, scratch, top slots, the answer),
  // two per subject, and room for aligning each array to 8 bytes.
  const work = new Workspace(16 * messages.length + 4 * (10 * capacity + 2 * interner.subjectCount) + 128);
  // Sent dates and mailbox order as arrays: the sorts below compare hundreds of thousands of times.
  const dates = work.float64(messages.length);
  const seqs = work.float64(messages.length);
  /** The message of each container (its index in `messages`), -1 for a dummy. */
  const messageOf = work.int32(capacity).fill(-1);
  const parent = work.int32(capacity).fill(-1);
  // Children as doubly linked lists in adoption order, so detaching is O(1).
  const firstChild = work.int32(capacity).fill(-1);
  const lastChild = work.int32(capacity).fill(-1);
  const next = work.int32(capacity).fill(-1);
  const prev = work.int32(capacity).fill(-1);
  let containers = idCount;
  const create = (message: number): number => {
    messageOf[containers] = message;
    return containers++;
  };
  const detach = (c: number): void => {
    const p = parent[c]!;
    if (prev[c] !== -1) next[prev[c]!] = next[c]!;
    else firstChild[p] = next[c]!;
    if (next[c] !== -1) prev[next[c]!] = prev[c]!;
    else lastChild[p] = prev[c]!;
    parent[c] = -1;
    next[c] = -1;
    prev[c] = -1;
  };
  /** `child` becomes the last child of `p` (taken from its former parent, even when that is `p`). */
  const adopt = (p: number, child: number): void => {
    if (parent[child] !== -1) detach(child);
    parent[child] = p;
    prev[child] = lastChild[p]!;
    if (lastChild[p] !== -1) next[lastChild[p]!] = child;
    else firstChild[p] = child;
    lastChild[p] = child;
  };
  /** Whether `a` is `b` or one of its ancestors. */
  const isAncestorOf = (a: number, b: number): boolean => {
    for (let c = b; c !== -1; c = parent[c]!) if (c === a) return true;
    return false;
  };

  // (1) Link messages and the ids they reference.
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    let own: number;
    if (m.idNumber !== -1 && messageOf[m.idNumber] === -1) {
      own = m.idNumber;
      messageOf[own] = i;
    } else {
      // No Message-ID, or a duplicate one: the message gets a unique id of its own.
      own = create(i);
    }
    // (1.A) Each reference is the parent of the next, unless already linked or that would loop.
    let last = -1;
    for (const c of m.referenceNumbers) {
      if (last !== -1 && parent[c] === -1 && !isAncestorOf(c, last)) adopt(last, c);
      last = c;
    }
    // (1.B) The message's own references decide its parent: the last one (replacing a parent guessed
    // from other messages' References), none without references or when the link would loop (as Dovecot).
    if (last !== -1 && !isAncestorOf(own, last)) adopt(last, own);
    else if (parent[own] !== -1) detach(own);
  }
  // From here the children stay linked lists (firstChild, next, lastChild; parent and prev are no longer
  // kept): pruning splices them and sorting relinks them in place. A list array per container made a third
  // of a 100,000-message re-thread garbage collection.
  const appendChild = (p: number, child: number): void => {
    if (lastChild[p] === -1) firstChild[p] = child;
    else next[lastChild[p]!] = child;
    lastChild[p] = child;
    next[child] = -1;
  };
  // (4) Prune dummies below the top level: drop empty ones, splice the children of others into their place.
  const pruneChildren = (p: number): void => {
    let c = firstChild[p]!;
    firstChild[p] = -1;
    lastChild[p] = -1;
    while (c !== -1) {
      const following = next[c]!;
      if (firstChild[c] !== -1) pruneChildren(c);
      if (messageOf[c] !== -1) {
        appendChild(p, c);
      } else {
        for (let k = firstChild[c]!; k !== -1; ) {
          const after = next[k]!;
          appendChild(p, k);
          k = after;
        }
        firstChild[c] = -1;
        lastChild[c] = -1;
      }
      c = following;
    }
  };
  // (2), (3) The root set, in creation order, pruned (4): at the top level a dummy is dropped when empty
  // and replaced by its child when it has one.
  const top: number[] = [];
  for (let c = 0; c < containers; c++) {
    if (parent[c] !== -1) continue;
    if (firstChild[c] !== -1) pruneChildren(c);
    if (messageOf[c] !== -1) top.push(c);
    else if (firstChild[c] === -1) continue;
    else if (firstChild[c] === lastChild[c]) top.push(firstChild[c]!);
    else top.push(c);
  }

  for (let i = 0; i < messages.length; i++) {
    dates[i] = messages[i]!.date;
    seqs[i] = messages[i]!.seq;
  }
  /** The message whose date and subject stand for a container: its own, or its first child's. */
  const representative = (c: number): number => {
    for (let r = c; r !== -1; r = firstChild[r]!) if (messageOf[r] !== -1) return messageOf[r]!;
    return -1;
  };
  /** Sent date, then mailbox order (RFC 5256 §2.2), as bySentDate. */
  const compare = (a: number, b: number): number => {
    const x = representative(a);
    const y = representative(b);
    if (x === -1 || y === -1) return x !== -1 ? -1 : y !== -1 ? 1 : 0;
    return dates[x]! - dates[y]! || seqs[x]! - seqs[y]!;
  };
  const scratch = work.int32(capacity);
  /** Sorts the children of `p` (not below them) and links them again in that order. */
  const sortChildren = (p: number): void => {
    const first = firstChild[p]!;
    if (first === -1 || next[first] === -1) return;
    let n = 0;
    for (let k = first; k !== -1; k = next[k]!) scratch[n++] = k;
    const sorted = scratch.subarray(0, n).sort(compare);
    firstChild[p] = sorted[0]!;
    for (let i = 1; i < n; i++) next[sorted[i - 1]!] = sorted[i]!;
    next[sorted[n - 1]!] = -1;
    lastChild[p] = sorted[n - 1]!;
  };
  // (5) Sort the top level by sent date (a dummy by its first child, once its children are sorted).
  for (const r of top) if (messageOf[r] === -1) sortChildren(r);
  top.sort(compare);

  // (6) Gather top-level threads with the same base subject.
  const subjectOf = (c: number): number => {
    const r = representative(c);
    return r === -1 ? 0 : messages[r]!.subjectNumber;
  };
  const isReply = (c: number): boolean => messageOf[c] !== -1 && messages[messageOf[c]!]!.replyOrForward;
  // Each subject's chosen thread and its slot among the top-level slots (no search for it later), and each
  // slot's subject (0: none): a slot's subject never changes below (a dummy put in a slot stands for the
  // thread that was there, and merged threads leave their slot).
  const chosen = work.int32(interner.subjectCount).fill(-1);
  const chosenSlot = work.int32(interner.subjectCount);
  const slotSubject = work.int32(top.length);
  for (let slot = 0; slot < top.length; slot++) {
    const r = top[slot]!;
    const subject = subjectOf(r);
    slotSubject[slot] = subject;
    if (subject === 0) continue;
    const t = chosen[subject]!;
    if (
      t === -1 ||
      (messageOf[t] !== -1 && messageOf[r] === -1) ||
      (messageOf[t] !== -1 && isReply(t) && messageOf[r] !== -1 && !isReply(r))
    ) {
      chosen[subject] = r;
      chosenSlot[subject] = slot;
    }
  }
  for (let i = 0; i < top.length; i++) {
    const r = top[i]!;
    const subject = slotSubject[i]!;
    if (r === -1 || subject === 0) continue;
    const t = chosen[subject]!;
    if (t === r) continue;
    if (messageOf[t] === -1 && messageOf[r] === -1) {
      // r's children move to the end of t's.
      if (firstChild[r] !== -1) {
        if (lastChild[t] === -1) firstChild[t] = firstChild[r]!;
        else next[lastChild[t]!] = firstChild[r]!;
        lastChild[t] = lastChild[r]!;
        firstChild[r] = -1;
        lastChild[r] = -1;
      }
    } else if (messageOf[t] === -1) {
      appendChild(t, r);
    } else if (isReply(r) && !isReply(t)) {
      appendChild(t, r);
    } else {
      const dummy = create(-1);
      appendChild(dummy, t);
      appendChild(dummy, r);
      top[chosenSlot[subject]!] = dummy;
      chosen[subject] = dummy;
    }
    top[i] = -1;
  }
  let kept = 0;
  for (const c of top) if (c !== -1) top[kept++] = c;
  top.length = kept;
  // (7) Sort every set of siblings by sent date, children before their parents.
  const sortTree = (p: number): void => {
    for (let k = firstChild[p]!; k !== -1; k = next[k]!) if (firstChild[k] !== -1) sortTree(k);
    sortChildren(p);
  };
  for (const c of top) if (firstChild[c] !== -1) sortTree(c);
  top.sort(compare);
  // The trees in preorder, straight into the answer's arrays.
  const ids = work.uint32(containers);
  const childCounts = work.uint32(containers);
  let at = 0;
  const write = (c: number): void => {
    const message = messageOf[c]!;
    ids[at] = message !== -1 ? id(messages[message]!) : 0;
    let children = 0;
    for (let k = firstChild[c]!; k !== -1; k = next[k]!) children++;
    childCounts[at++] = children;
    for (let k = firstChild[c]!; k !== -1; k = next[k]!) write(k);
  };
  for (const c of top) write(c);
  return { ids: ids.slice(0, at), childCounts: childCounts.slice(0, at) };
}

let lastBuffer: WeakRef<ArrayBuffer> | undefined;

/**
 * Typed arrays carved from one buffer, the previous call's again when big enough (held weakly, so an idle
 * process can give it back): allocating ~10 MB of new arrays per 100,000-message re-thread made V8 run
 * full garbage collections for that external memory. Not reentrant: threadReferences is synchronous.
 */
class Workspace {
  private readonly buffer: ArrayBuffer;
  private used = 0;

  constructor(bytes: number) {
    const last = lastBuffer?.deref();
    if (last && last.byteLength >= bytes) {
      this.buffer = last;
    } else {
      // Room to grow: a mailbox gets new messages.
      this.buffer = new ArrayBuffer(Math.ceil((bytes * 1.25) / 8) * 8);
      lastBuffer = new WeakRef(this.buffer);
    }
  }

  float64(length: number): Float64Array {
    return new Float64Array(this.buffer, this.take(8 * length), length);
  }

  int32(length: number): Int32Array {
    return new Int32Array(this.buffer, this.take(4 * length), length);
  }

  uint32(length: number): Uint32Array {
    return new Uint32Array(this.buffer, this.take(4 * length), length);
  }

  /** The offset of `bytes` more, kept 8-byte aligned. */
  private take(bytes: number): number {
    const at = this.used;
    this.used += Math.ceil(bytes / 8) * 8;
    if (this.used > this.buffer.byteLength) throw new Error('thread workspace overrun');
    return at;
  }
}
