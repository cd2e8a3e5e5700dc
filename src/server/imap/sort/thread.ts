/**
 * THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §4) over the searched messages' sort keys.
 * Pure: keys in, thread trees out, each node named by `id(keys)` (sequence number or UID).
 */
import type { ThreadNode } from '../../../protocol/imap/response.js';
import type { SortKeys } from './sort-keys.js';

type Id = (k: SortKeys) => number;

const NO_CHILDREN: readonly ThreadNode[] = Object.freeze([]);

/** Sent date, then mailbox order (RFC 5256 §2.2). */
function bySentDate(a: SortKeys, b: SortKeys): number {
  return a.date - b.date || a.seq - b.seq;
}

/**
 * ORDEREDSUBJECT: messages grouped by base subject; in each group, by sent date, the first is the
 * parent of all the others; threads ordered by the sent date of their first message.
 */
export function orderedSubject(messages: readonly SortKeys[], id: Id): ThreadNode[] {
  const sorted = [...messages].sort((a, b) =>
    a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : bySentDate(a, b),
  );
  const threads: { first: SortKeys; node: ThreadNode }[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i + 1;
    while (j < sorted.length && sorted[j]!.subject === sorted[i]!.subject) j++;
    const children = sorted.slice(i + 1, j).map((m) => ({ id: id(m), children: [] }));
    threads.push({ first: sorted[i]!, node: { id: id(sorted[i]!), children } });
    i = j;
  }
  threads.sort((a, b) => bySentDate(a.first, b.first));
  return threads.map((t) => t.node);
}

/**
 * RFC 5256 §4 REFERENCES, steps 1 to 7. Containers are small integers (creation order) with their links in
 * plain arrays, not objects: a 100,000-message mailbox is threaded again after each new message (the memo
 * keeps the keys, sorted-uids.ts), and objects with a children array each made half of that time garbage
 * collection. Message-less containers ("dummies") stand for ids that are only referenced.
 */
export function references(messages: readonly SortKeys[], id: Id): ThreadNode[] {
  // At most one container per message and per reference, and one per message again in step 6.
  let capacity = 2 * messages.length + 1;
  for (const m of messages) capacity += m.references.length;
  /** The message of each container (its index in `messages`), -1 for a dummy. */
  const messageOf = new Int32Array(capacity).fill(-1);
  const parent = new Int32Array(capacity).fill(-1);
  // Children as doubly linked lists in adoption order until step 4, so detaching is O(1).
  const firstChild = new Int32Array(capacity).fill(-1);
  const lastChild = new Int32Array(capacity).fill(-1);
  const next = new Int32Array(capacity).fill(-1);
  const prev = new Int32Array(capacity).fill(-1);
  let containers = 0;
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
  const table = new Map<string, number>();
  const containerOf = (messageId: string): number => {
    let c = table.get(messageId);
    if (c === undefined) {
      c = create(-1);
      table.set(messageId, c);
    }
    return c;
  };
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    let own: number;
    const existing = m.messageId === null ? undefined : table.get(m.messageId);
    if (existing !== undefined && messageOf[existing] === -1) {
      own = existing;
      messageOf[own] = i;
    } else {
      // No Message-ID, or a duplicate one: the message gets a unique id of its own.
      own = create(i);
      if (m.messageId !== null && existing === undefined) table.set(m.messageId, own);
    }
    // (1.A) Each reference is the parent of the next, unless already linked or that would loop.
    let last = -1;
    for (const ref of m.references) {
      const c = containerOf(ref);
      if (last !== -1 && parent[c] === -1 && !isAncestorOf(c, last)) adopt(last, c);
      last = c;
    }
    // (1.B) The message's own references decide its parent: the last one (replacing a parent guessed
    // from other messages' References), none without references or when the link would loop (as Dovecot).
    if (last !== -1 && !isAncestorOf(own, last)) adopt(last, own);
    else if (parent[own] !== -1) detach(own);
  }

  // From here children are arrays (EMPTY for none): pruning splices lists and sorting wants arrays.
  const EMPTY: number[] = [];
  const kids: number[][] = [];
  for (let c = 0; c < containers; c++) {
    if (firstChild[c] === -1) {
      kids.push(EMPTY);
      continue;
    }
    const list: number[] = [];
    for (let k = firstChild[c]!; k !== -1; k = next[k]!) list.push(k);
    kids.push(list);
  }
  // (2), (3) The root set, in creation order; the id table is no longer needed.
  const roots: number[] = [];
  for (let c = 0; c < containers; c++) if (parent[c] === -1) roots.push(c);
  // (4) Prune dummies: drop empty ones, splice the children of others into their place (at the top
  // level only when there is a single child).
  const prune = (list: number[], top: boolean): number[] => {
    const out: number[] = [];
    for (const c of list) {
      if (kids[c] !== EMPTY) kids[c] = prune(kids[c]!, false);
      const children = kids[c]!;
      if (messageOf[c] === -1 && children.length === 0) continue;
      if (messageOf[c] === -1 && (!top || children.length === 1)) {
        for (const child of children) out.push(child);
        continue;
      }
      out.push(c);
    }
    return out.length === 0 ? EMPTY : out;
  };
  const pruned = prune(roots, true);

  /** The message whose date and subject stand for a container: its own, or its first child's. */
  const representative = (c: number): number => {
    for (let r = c; ; r = kids[r]![0]!) {
      if (messageOf[r] !== -1) return messageOf[r]!;
      if (kids[r]!.length === 0) return -1;
    }
  };
  const compare = (a: number, b: number): number => {
    const x = representative(a);
    const y = representative(b);
    if (x === -1 || y === -1) return x !== -1 ? -1 : y !== -1 ? 1 : 0;
    return bySentDate(messages[x]!, messages[y]!);
  };
  // (5) Sort the top level by sent date (a dummy by its first child, once its children are sorted).
  for (const r of pruned) if (messageOf[r] === -1) kids[r]!.sort(compare);
  pruned.sort(compare);

  // (6) Gather top-level threads with the same base subject.
  const subjectOf = (c: number): string => {
    const r = representative(c);
    return r === -1 ? '' : messages[r]!.subject;
  };
  const isReply = (c: number): boolean => messageOf[c] !== -1 && messages[messageOf[c]!]!.replyOrForward;
  const append = (p: number, child: number): void => {
    if (kids[p] === EMPTY) kids[p] = [child];
    else kids[p]!.push(child);
  };
  // Each subject's chosen thread and its place among the top-level slots (no search for it later), and
  // each slot's entry: a slot's subject never changes below (a dummy put in a slot stands for the thread
  // that was there, and merged threads leave their slot), so one Map lookup per thread is enough.
  type Chosen = { container: number; slot: number };
  const subjects = new Map<string, Chosen>();
  const chosenOf: (Chosen | null)[] = [];
  pruned.forEach((r, slot) => {
    const subject = subjectOf(r);
    if (subject === '') {
      chosenOf.push(null);
      return;
    }
    const entry = subjects.get(subject);
    chosenOf.push(entry ?? null);
    if (entry === undefined) {
      const created = { container: r, slot };
      subjects.set(subject, created);
      chosenOf[slot] = created;
      return;
    }
    const t = entry.container;
    if (
      (messageOf[t] !== -1 && messageOf[r] === -1) ||
      (messageOf[t] !== -1 && isReply(t) && messageOf[r] !== -1 && !isReply(r))
    ) {
      entry.container = r;
      entry.slot = slot;
    }
  });
  const slots: number[] = [...pruned];
  for (let i = 0; i < slots.length; i++) {
    const r = slots[i]!;
    const chosen = chosenOf[i];
    if (r === -1 || !chosen) continue;
    const t = chosen.container;
    if (t === r) continue;
    if (messageOf[t] === -1 && messageOf[r] === -1) {
      for (const child of kids[r]!) append(t, child);
      kids[r] = EMPTY;
    } else if (messageOf[t] === -1) {
      append(t, r);
    } else if (isReply(r) && !isReply(t)) {
      append(t, r);
    } else {
      const dummy = create(-1);
      kids[dummy] = [t, r];
      slots[chosen.slot] = dummy;
      chosen.container = dummy;
    }
    slots[i] = -1;
  }
  // (7) Sort every set of siblings by sent date, children before their parents.
  const sortTree = (list: number[]): void => {
    for (const c of list) if (kids[c] !== EMPTY) sortTree(kids[c]!);
    list.sort(compare);
  };
  const top = slots.filter((c) => c !== -1);
  sortTree(top);
  // Leaves share one empty (frozen) list: a 100,000-message answer has tens of thousands of them.
  const toNode = (c: number): ThreadNode => ({
    id: messageOf[c] !== -1 ? id(messages[messageOf[c]!]!) : null,
    children: kids[c] === EMPTY ? NO_CHILDREN : kids[c]!.map(toNode),
  });
  return top.map(toNode);
}
